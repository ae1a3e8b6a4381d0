/**
 * Cron schedules as the server reads them (5 fields, on the wall clock of the notebook's
 * `scheduleTimezone`): checked, described in words and their next run times in that zone, so a
 * bad schedule is refused before it is saved.
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
   * The next run times (instants; shown in the schedule's zone).
   */
  nextRuns: Date[];
}

/**
 * The browser's own time zone (an IANA name), UTC when it cannot say.
 */
export function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * The IANA time zones this browser knows, for a schedule's zone picker.
 */
export function timezones(): string[] {
  const intl = Intl as unknown as {
    supportedValuesOf?: (key: string) => string[];
  };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

/**
 * Check a 5-field cron expression and describe it; `count` next runs after `from`, on the
 * wall clock of `timezone` (as the server's scheduler reads it).
 */
export function checkCron(
  text: string,
  count = 3,
  from: Date = new Date(),
  timezone = 'UTC'
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
      timezone,
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
 * A run time for people, in the schedule's zone: "Mon 1 Dec, 06:00 Europe/Berlin", and the
 * browser's own clock beside it when that differs ("(05:00 local)").
 */
export function formatRunTime(date: Date, timezone = 'UTC'): string {
  const { language, trans } = formatLocale();
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false
  };
  const there = new Intl.DateTimeFormat(language, {
    ...options,
    timeZone: timezone
  }).format(date);
  const here = new Intl.DateTimeFormat(language, options).format(date);
  return here === there
    ? trans._p('run time: time, zone', '%1 %2', there, timezone)
    : trans.__(
        '%1 %2 (%3 local)',
        there,
        timezone,
        new Intl.DateTimeFormat(language, {
          weekday: 'short',
          hour: '2-digit',
          minute: '2-digit',
          hour12: false
        }).format(date)
      );
}
