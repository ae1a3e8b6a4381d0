/**
 * The run form's parameters: Python literal defaults (as papermill reports them) read into
 * JSON values, typed form fields, and the values a run sends.
 */
import { INotebookParameter } from './tokens';

/**
 * How a parameter is edited.
 */
export type FieldKind = 'bool' | 'int' | 'float' | 'str' | 'json' | 'any';

/**
 * One field of the run form.
 */
export interface IParameterField {
  name: string;
  kind: FieldKind;
  /**
   * The Python type papermill inferred, for the label.
   */
  typeName: string;
  help: string;
  /**
   * The default as Python source.
   */
  source: string;
  /**
   * The default as a JSON value, when the source is a literal.
   */
  defaultValue: unknown;
  hasDefault: boolean;
  /**
   * The default as the field's text.
   */
  defaultText: string;
}

/**
 * Fields for the parameters papermill found.
 */
export function parameterFields(
  parameters: INotebookParameter[]
): IParameterField[] {
  return parameters.map(parameter => {
    const parsed = parsePythonLiteral(parameter.default);
    const typeName =
      parameter.type ?? (parsed.ok ? pythonTypeOf(parsed.value) : 'expression');
    const kind = kindOf(parameter.type, parsed);
    return {
      name: parameter.name,
      kind,
      typeName,
      help: parameter.help ?? '',
      source: parameter.default,
      defaultValue: parsed.ok ? parsed.value : undefined,
      hasDefault: parsed.ok,
      defaultText: parsed.ok ? textOf(kind, parsed.value) : ''
    };
  });
}

/**
 * The value a field's text stands for, or an error for text that is not one.
 */
export function fieldValue(
  field: IParameterField,
  text: string
): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = text.trim();
  switch (field.kind) {
    case 'bool':
      return { ok: true, value: text === 'true' };
    case 'int':
      if (!/^[+-]?\d+$/.test(trimmed)) {
        return { ok: false, error: 'must be a whole number' };
      }
      return { ok: true, value: Number(trimmed) };
    case 'float':
      if (trimmed === '' || !Number.isFinite(Number(trimmed))) {
        return { ok: false, error: 'must be a number' };
      }
      return { ok: true, value: Number(trimmed) };
    case 'str':
      return { ok: true, value: text };
    case 'json':
      try {
        return { ok: true, value: JSON.parse(trimmed) };
      } catch {
        return {
          ok: false,
          error: 'must be JSON, e.g. ["a", "b"] or {"k": 1}'
        };
      }
    case 'any': {
      if (trimmed === '') {
        return { ok: true, value: null };
      }
      try {
        return { ok: true, value: JSON.parse(trimmed) };
      } catch {
        return { ok: true, value: text };
      }
    }
  }
}

/**
 * Did the field change from its default? Unchanged fields are not sent, so the notebook's own
 * default (and, for `dataset_id`, the bound dataset) applies.
 */
export function isChanged(field: IParameterField, text: string): boolean {
  if (!field.hasDefault) {
    return text.trim() !== '';
  }
  const value = fieldValue(field, text);
  if (!value.ok) {
    return true;
  }
  return JSON.stringify(value.value) !== JSON.stringify(field.defaultValue);
}

function kindOf(
  type: string | null,
  parsed: { ok: boolean; value?: unknown }
): FieldKind {
  switch (type) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float';
    case 'str':
      return 'str';
    case 'list':
    case 'dict':
    case 'tuple':
      return 'json';
  }
  if (parsed.ok && parsed.value !== null && typeof parsed.value === 'object') {
    return 'json';
  }
  return 'any';
}

function textOf(kind: FieldKind, value: unknown): string {
  switch (kind) {
    case 'bool':
      return value ? 'true' : 'false';
    case 'str':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'int':
    case 'float':
      return value === null || value === undefined ? '' : String(value);
    default:
      if (value === null || value === undefined) {
        return '';
      }
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function pythonTypeOf(value: unknown): string {
  if (value === null) {
    return 'None';
  }
  if (Array.isArray(value)) {
    return 'list';
  }
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'str';
    default:
      return 'dict';
  }
}

/**
 * A Python literal (str, int, float, bool, None, list, tuple, dict) as a JSON value.
 */
export function parsePythonLiteral(
  source: string
): { ok: true; value: unknown } | { ok: false } {
  const parser = new Private.Parser(source);
  try {
    const value = parser.value();
    parser.end();
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

namespace Private {
  const ESCAPES: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '0': '\0',
    '\\': '\\',
    "'": "'",
    '"': '"',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v'
  };

  /**
   * A recursive-descent reader of the literal subset of Python that defaults use.
   */
  export class Parser {
    constructor(private text: string) {}

    value(): unknown {
      this._space();
      const c = this.text[this._at];
      if (c === '[' || c === '(') {
        return this._sequence(c === '[' ? ']' : ')');
      }
      if (c === '{') {
        return this._dict();
      }
      const str = /^([rRuU]?)(['"])/.exec(this.text.slice(this._at));
      if (str) {
        // Adjacent literals concatenate, as in Python.
        let out = '';
        while (/^[rRuU]?['"]/.test(this.text.slice(this._at))) {
          out += this._string();
          this._space();
        }
        return out;
      }
      const word = /^(True|False|None)\b/.exec(this.text.slice(this._at));
      if (word) {
        this._at += word[1].length;
        return word[1] === 'None' ? null : word[1] === 'True';
      }
      const num =
        /^[+-]?(\d[\d_]*\.?[\d_]*(e[+-]?\d+)?|\.\d[\d_]*(e[+-]?\d+)?)/i.exec(
          this.text.slice(this._at)
        );
      if (num) {
        this._at += num[0].length;
        const value = Number(num[0].replace(/_/g, ''));
        if (!Number.isFinite(value)) {
          throw new Error('bad number');
        }
        return value;
      }
      throw new Error(`unexpected ${c}`);
    }

    end(): void {
      this._space();
      if (this._at !== this.text.length) {
        throw new Error('trailing text');
      }
    }

    private _sequence(close: string): unknown[] {
      this._at++;
      const items: unknown[] = [];
      for (;;) {
        this._space();
        if (this.text[this._at] === close) {
          this._at++;
          return items;
        }
        items.push(this.value());
        this._space();
        if (this.text[this._at] === ',') {
          this._at++;
        } else if (this.text[this._at] !== close) {
          throw new Error('expected , or close');
        }
      }
    }

    private _dict(): Record<string, unknown> {
      this._at++;
      const out: Record<string, unknown> = {};
      for (;;) {
        this._space();
        if (this.text[this._at] === '}') {
          this._at++;
          return out;
        }
        const key = this.value();
        if (typeof key !== 'string' && typeof key !== 'number') {
          throw new Error('dict keys must be strings or numbers');
        }
        this._space();
        if (this.text[this._at] !== ':') {
          throw new Error('expected :');
        }
        this._at++;
        out[String(key)] = this.value();
        this._space();
        if (this.text[this._at] === ',') {
          this._at++;
        } else if (this.text[this._at] !== '}') {
          throw new Error('expected , or }');
        }
      }
    }

    private _string(): string {
      let raw = false;
      if (/[rRuU]/.test(this.text[this._at])) {
        raw = /[rR]/.test(this.text[this._at]);
        this._at++;
      }
      const quote = this.text.startsWith(
        this.text[this._at].repeat(3),
        this._at
      )
        ? this.text[this._at].repeat(3)
        : this.text[this._at];
      this._at += quote.length;
      let out = '';
      for (;;) {
        if (this._at >= this.text.length) {
          throw new Error('unterminated string');
        }
        if (this.text.startsWith(quote, this._at)) {
          this._at += quote.length;
          return out;
        }
        const c = this.text[this._at];
        if (c === '\\' && !raw) {
          const next = this.text[this._at + 1];
          if (next === 'x' || next === 'u' || next === 'U') {
            const size = next === 'x' ? 2 : next === 'u' ? 4 : 8;
            const hex = this.text.slice(this._at + 2, this._at + 2 + size);
            if (!/^[0-9a-f]+$/i.test(hex) || hex.length !== size) {
              throw new Error('bad escape');
            }
            out += String.fromCodePoint(parseInt(hex, 16));
            this._at += 2 + size;
            continue;
          }
          if (next === '\n') {
            this._at += 2;
            continue;
          }
          out += next in ESCAPES ? ESCAPES[next] : '\\' + next;
          this._at += 2;
          continue;
        }
        if (c === '\n' && quote.length === 1) {
          throw new Error('newline in string');
        }
        out += c;
        this._at++;
      }
    }

    private _space(): void {
      while (this._at < this.text.length) {
        const c = this.text[this._at];
        if (c === '#') {
          while (this._at < this.text.length && this.text[this._at] !== '\n') {
            this._at++;
          }
        } else if (/\s/.test(c)) {
          this._at++;
        } else {
          break;
        }
      }
    }

    private _at = 0;
  }
}
