/**
 * Cron schedules as the server reads them (5 fields, UTC): checked, described in words and
 * their next run times, so a bad schedule is refused before it is saved.
 */
import { Cron } from 'croner';
import cronstrue from 'cronstrue';

/**
 * What the panel shows under a cron field.
 */
export interface ICronCheck {
  /**
   * The expression with its whitespace normalised (as the server stores it).
   */
  expression: string;
  valid: boolean;
  /**
   * Why the expression is refused.
   */
  error?: string;
  /**
   * The schedule in words ("At 06:00, Monday through Friday").
   */
  description?: string;
  /**
   * The next run times (UTC instants).
   */
  nextRuns: Date[];
}

/**
 * Check a 5-field cron expression and describe it; `count` next runs after `from`.
 */
export function checkCron(
  text: string,
  count = 3,
  from: Date = new Date()
): ICronCheck {
  const expression = text.trim().split(/\s+/).join(' ');
  const fail = (error: string): ICronCheck => ({
    expression,
    valid: false,
    error,
    nextRuns: []
  });
  if (!expression) {
    return fail('Enter a cron expression, e.g. "0 6 * * 1-5".');
  }
  const fields = expression.split(' ');
  if (fields.length !== 5) {
    return fail(
      `A schedule has 5 fields (minute hour day-of-month month day-of-week); this one has ${fields.length}.`
    );
  }
  let nextRuns: Date[];
  try {
    // The server's croniter combines day-of-month and day-of-week with OR, like Vixie cron.
    const cron = new Cron(expression, {
      timezone: 'UTC',
      paused: true,
      mode: '5-part',
      domAndDow: false
    });
    nextRuns = cron.nextRuns(count, from);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(message.replace(/^CronPattern:\s*/, ''));
  }
  if (!nextRuns.length) {
    return fail('This schedule never runs (no such date).');
  }
  let description: string;
  try {
    description = cronstrue.toString(expression, {
      use24HourTimeFormat: true,
      verbose: false
    });
  } catch {
    // cronstrue cannot word every expression croner accepts: show it as written.
    description = expression;
  }
  return { expression, valid: true, description, nextRuns };
}

/**
 * A run time for people: "Mon 1 Dec, 06:00 UTC (07:00 local)".
 */
export function formatRunTime(date: Date): string {
  const utc = new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone: 'UTC'
  }).format(date);
  const local = new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false
  }).format(date);
  return date.getTimezoneOffset() === 0
    ? `${utc} UTC`
    : `${utc} UTC (${local} local)`;
}
