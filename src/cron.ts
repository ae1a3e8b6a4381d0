/**
 * Cron schedules as the server reads them (5 fields, UTC): checked, described in words and
 * their next run times, so a bad schedule is refused before it is saved.
 */
import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import 'cronstrue/locales/ja';

import { formatLocale } from './format';
import { primaryLanguage } from './i18n';

/**
 * The cronstrue locales bundled (the others read in English).
 */
const CRON_LOCALES = new Set(['en', 'ja']);

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
  const { trans } = formatLocale();
  const expression = text.trim().split(/\s+/).join(' ');
  const fail = (error: string): ICronCheck => ({
    expression,
    valid: false,
    error,
    nextRuns: []
  });
  if (!expression) {
    return fail(trans.__('Enter a cron expression, e.g. "0 6 * * 1-5".'));
  }
  const fields = expression.split(' ');
  if (fields.length !== 5) {
    return fail(
      trans.__(
        'A schedule has 5 fields (minute hour day-of-month month day-of-week); this one has %1.',
        fields.length
      )
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
    return fail(trans.__('This schedule never runs (no such date).'));
  }
  let description: string;
  try {
    const language = primaryLanguage(formatLocale().language);
    description = cronstrue.toString(expression, {
      use24HourTimeFormat: true,
      verbose: false,
      locale: CRON_LOCALES.has(language) ? language : 'en'
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
  const { language, trans } = formatLocale();
  const utc = new Intl.DateTimeFormat(language, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone: 'UTC'
  }).format(date);
  const local = new Intl.DateTimeFormat(language, {
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false
  }).format(date);
  return date.getTimezoneOffset() === 0
    ? trans.__('%1 UTC', utc)
    : trans.__('%1 UTC (%2 local)', utc, local);
}
