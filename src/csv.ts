/**
 * A small CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF) for table previews.
 */

/**
 * The header and up to `maxRows` rows of `text`.
 */
export function parseCsv(
  text: string,
  maxRows = 100
): { header: string[]; rows: string[][]; truncated: boolean } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  // Stop one record past the limit: enough to know there is more.
  const limit = maxRows + 1;
  const endRecord = () => {
    record.push(field);
    field = '';
    // A trailing empty line is no record.
    if (!(record.length === 1 && record[0] === '')) {
      records.push(record);
    }
    record = [];
  };
  if (text.charCodeAt(0) === 0xfeff) {
    i = 1; // byte order mark
  }
  for (; i < text.length && records.length <= limit; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') {
        i++;
      }
      endRecord();
    } else {
      field += c;
    }
  }
  if (records.length <= limit && (field !== '' || record.length)) {
    endRecord();
  }
  const [header = [], ...rows] = records;
  return {
    header,
    rows: rows.slice(0, maxRows),
    truncated: rows.length > maxRows
  };
}
