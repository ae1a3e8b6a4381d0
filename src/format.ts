/**
 * Small formatting helpers for what the panel shows: ids, times, durations, sizes, in
 * JupyterLab's language (set once at activation: JupyterLab reloads the page when its
 * language changes).
 */
import { ILocale, defaultLocale } from './i18n';

let current: ILocale = defaultLocale;

/**
 * Format in this locale from now on.
 */
export function setFormatLocale(locale: ILocale): void {
  current = locale;
}

/**
 * The locale the helpers format in.
 */
export function formatLocale(): ILocale {
  return current;
}

/**
 * The first block of a GUID, enough to tell projects apart at a glance.
 */
export function shortId(id: string): string {
  return id.split('-')[0];
}

/**
 * A date and time in the user's locale ("28 Nov 2026, 10:22").
 */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return iso;
  }
  return new Intl.DateTimeFormat(current.language, {
    dateStyle: 'medium',
    timeStyle: 'short'
  }).format(date);
}

/**
 * "just now", "5 minutes ago", "3 days ago"; the date beyond a month.
 */
export function timeAgo(
  iso: string | null | undefined,
  now = Date.now()
): string {
  if (!iso) {
    const { trans } = current;
    return trans.__('never');
  }
  const then = new Date(iso).getTime();
  if (isNaN(then)) {
    return iso;
  }
  const seconds = Math.round((now - then) / 1000);
  const format = new Intl.RelativeTimeFormat(current.language, {
    numeric: 'auto'
  });
  if (Math.abs(seconds) < 45) {
    return format.format(0, 'second'); // "now", "今"
  }
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) {
    return format.format(-minutes, 'minute');
  }
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) {
    return format.format(-hours, 'hour');
  }
  const days = Math.round(hours / 24);
  if (Math.abs(days) < 30) {
    return format.format(-days, 'day');
  }
  return formatDateTime(iso);
}

/**
 * Seconds for people: "0.4 sec", "12 sec", "3 min 5 sec", "1 hr 2 min" ("3分 5秒" in Japanese).
 */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '—';
  }
  const unit = (value: number, name: string, digits = 0) =>
    new Intl.NumberFormat(current.language, {
      style: 'unit',
      unit: name,
      unitDisplay: 'short',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits
    }).format(value);
  if (seconds < 10) {
    return unit(seconds, 'second', 1);
  }
  if (seconds < 60) {
    return unit(Math.round(seconds), 'second');
  }
  const { trans } = current;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = Math.round(seconds - minutes * 60);
    return rest
      ? trans._p(
          'duration',
          '%1 %2',
          unit(minutes, 'minute'),
          unit(rest, 'second')
        )
      : unit(minutes, 'minute');
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes - hours * 60;
  return rest
    ? trans._p('duration', '%1 %2', unit(hours, 'hour'), unit(rest, 'minute'))
    : unit(hours, 'hour');
}

/**
 * Bytes for people: "812 B", "1.4 MB".
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !isFinite(bytes)) {
    return '—';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 10 || unit === 0 ? 0 : 1;
  const number = new Intl.NumberFormat(current.language, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits
  }).format(value);
  return `${number} ${units[unit]}`;
}

/**
 * A whole number with the locale's grouping ("2,406").
 */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return new Intl.NumberFormat(current.language).format(value);
}

/**
 * A parameter value as a short text ("2", "'case_id'", "[1, 2]").
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text;
}
