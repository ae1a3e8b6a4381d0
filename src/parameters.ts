/**
 * The run form's parameters: typed form fields for the names papermill found, and the
 * values a run sends. The server reads each default into JSON (`value`, when `literal`).
 */
import { INotebookParameter } from './tokens';
import { formatLocale } from './format';

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
   * The default as a JSON value, when the source is a literal JSON can hold.
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
    const { literal, value } = parameter;
    const typeName =
      parameter.type ?? (literal ? pythonTypeOf(value) : 'expression');
    const kind = kindOf(parameter.type, literal, value);
    return {
      name: parameter.name,
      kind,
      typeName,
      help: parameter.help ?? '',
      source: parameter.default,
      defaultValue: literal ? value : undefined,
      hasDefault: literal,
      defaultText: literal ? textOf(kind, value) : ''
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
  const { trans } = formatLocale();
  switch (field.kind) {
    case 'bool':
      return { ok: true, value: text === 'true' };
    case 'int':
      if (!/^[+-]?\d+$/.test(trimmed)) {
        return { ok: false, error: trans.__('must be a whole number') };
      }
      return { ok: true, value: Number(trimmed) };
    case 'float':
      if (trimmed === '' || !Number.isFinite(Number(trimmed))) {
        return { ok: false, error: trans.__('must be a number') };
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
          error: trans.__('must be JSON, e.g. ["a", "b"] or {"k": 1}')
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

/**
 * How a parameter is edited: as papermill's type name says (JSON alone cannot tell `1.0`, a
 * float, from `1`), else as its default's JSON value suggests.
 */
function kindOf(
  type: string | null,
  literal: boolean,
  value: unknown
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
  if (literal && value !== null && typeof value === 'object') {
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

/**
 * A Python type name for a JSON default, for the label when papermill names none.
 */
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
