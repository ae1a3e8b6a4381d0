/**
 * Small formatting helpers for what the panel shows: ids, times, durations, sizes.
 */

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
  return new Intl.DateTimeFormat(undefined, {
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
    return 'never';
  }
  const then = new Date(iso).getTime();
  if (isNaN(then)) {
    return iso;
  }
  const seconds = Math.round((now - then) / 1000);
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (Math.abs(seconds) < 45) {
    return 'just now';
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
 * Seconds for people: "0.4 s", "12 s", "3 min 5 s", "1 h 2 min".
 */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '—';
  }
  if (seconds < 10) {
    return `${seconds.toFixed(1)} s`;
  }
  if (seconds < 60) {
    return `${Math.round(seconds)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = Math.round(seconds - minutes * 60);
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes - hours * 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
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
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/**
 * A whole number with the locale's grouping ("2,406").
 */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return new Intl.NumberFormat().format(value);
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
