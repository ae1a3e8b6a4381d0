/**
 * A problem's field errors by field ("parameters.top_n_bottlenecks", "timeout",
 * "integration.scheduleExecution"), so a form shows each next to its input.
 */
import { MindzieRequestError } from './request';

/**
 * The messages of a failed request's invalid fields, by field; empty for other failures.
 */
export function problemFields(error: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (error instanceof MindzieRequestError) {
    for (const entry of error.problem.errors ?? []) {
      if (entry.field && !(entry.field in fields)) {
        fields[entry.field] = entry.message;
      }
    }
  }
  return fields;
}

/**
 * The first message among `fields` for a field or anything under it ("cellRange" matches
 * "cellRange.startCell").
 */
export function fieldError(
  fields: Record<string, string>,
  name: string
): string | undefined {
  if (fields[name]) {
    return fields[name];
  }
  const prefix = `${name}.`;
  const key = Object.keys(fields).find(field => field.startsWith(prefix));
  return key ? fields[key] : undefined;
}
