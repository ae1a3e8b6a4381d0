/**
 * Cells by their names: a code cell reads as the nearest markdown heading above it, else its
 * first comment line, else its first line of code; its id (`cell-017`, a UUID) stays small print.
 */

/**
 * What `cellHeading` needs of a cell.
 */
export interface ICellLike {
  cellId: string;
  cellType: string;
  content?: string;
}

const HEADING = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/;

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The first markdown heading of a markdown cell's text ("Bottlenecks" for "## Bottlenecks").
 */
export function markdownHeading(source: string | undefined): string {
  for (const line of (source ?? '').split('\n')) {
    const match = HEADING.exec(line);
    if (match) {
      return match[1].replace(/[*_`]/g, '').trim();
    }
  }
  return '';
}

/**
 * The first comment line of a code cell ("Cycle time per case" for "# Cycle time per case").
 */
export function commentLine(source: string | undefined): string {
  for (const raw of (source ?? '').split('\n')) {
    const line = raw.trim();
    if (!line) {
      continue;
    }
    if (line.startsWith('#') && !line.startsWith('#!')) {
      return line.replace(/^#+\s*/, '').trim();
    }
    return '';
  }
  return '';
}

/**
 * A cell's name for people; '' when nothing in or above it names it.
 */
export function cellHeading(
  cells: ReadonlyArray<ICellLike>,
  cellId: string,
  max = 60
): string {
  const index = cells.findIndex(cell => cell.cellId === cellId);
  if (index < 0) {
    return '';
  }
  for (let i = index - 1; i >= 0; i--) {
    const cell = cells[i];
    if (cell.cellType === 'markdown') {
      const heading = markdownHeading(cell.content);
      if (heading) {
        return shorten(heading, max);
      }
    }
  }
  const comment = commentLine(cells[index].content);
  return comment ? shorten(comment, max) : '';
}
