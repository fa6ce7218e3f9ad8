// @ts-check
// Times, durations, relative ages, counts and percentages as text, through Intl. Each formatter
// is built once and reused: building one is costly and the customer table formats thousands of
// values. Must never re-word what the core already labels (sync status, resource labels): views
// show those as sent.

/** The console's texts are English with day-month dates ("Mon 24 Nov 12:03", "25 Nov 2025"). */
const LOCALE = 'en-GB';

const TIME = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const HOUR_MINUTE = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const WEEKDAY_DAY_MONTH = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short' });
const WEEKDAY_DATE = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
const DAY_MONTH = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short' });
const DATE = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric' });

/** @param {'millisecond' | 'second' | 'minute' | 'hour' | 'day'} unit */
const unitFormat = (unit, fractionDigits = 0) => new Intl.NumberFormat(LOCALE, {
  style: 'unit', unit, unitDisplay: 'short', minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits,
});
const MILLISECONDS = unitFormat('millisecond');
const SECONDS = unitFormat('second');
const SECONDS_TENTHS = unitFormat('second', 1);
const MINUTES = unitFormat('minute');
const HOURS = unitFormat('hour');
const DAYS = unitFormat('day');

const AGO = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'always', style: 'short' });
const IN_DAYS = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'always', style: 'long' });
const COUNT = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const PERCENT_TENTHS = new Intl.NumberFormat(LOCALE, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const PERCENT = new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 0 });

const MINUTE_MS = 60_000;

/** @typedef {string | number | Date | null | undefined} DateLike  RFC 3339 text, epoch s or ms */

/**
 * RFC 3339 text, epoch seconds or epoch milliseconds as a Date; null when there is none.
 * @param {DateLike} value
 * @returns {Date | null}
 */
export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const d = value instanceof Date ? value
    : typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Formats a date, or shows what came when it is not one ('' for nothing).
 * @param {DateLike} value
 * @param {(d: Date) => string} format
 */
function dated(value, format) {
  const d = toDate(value);
  if (d) return format(d);
  return value === null || value === undefined ? '' : String(value);
}

/** "12:03:04" @param {DateLike} value */
export const formatTime = (value) => dated(value, (d) => TIME.format(d));

/** "25 Nov 12:03" @param {DateLike} value */
export const formatDayHm = (value) => dated(value, (d) => `${DAY_MONTH.format(d)} ${HOUR_MINUTE.format(d)}`);

/** "25 Nov 2025" @param {DateLike} value */
export const formatDate = (value) => dated(value, (d) => DATE.format(d));

/** "Mon, 24 Nov 2025, 12:03:04", for title attributes. @param {DateLike} value */
export const formatFull = (value) => dated(value, (d) => `${WEEKDAY_DATE.format(d)}, ${TIME.format(d)}`);

/**
 * "12:03" today, otherwise "Mon 24 Nov 12:03".
 * @param {DateLike} value
 * @param {Date} [now]
 */
export function formatWhen(value, now = new Date()) {
  return dated(value, (d) => (isSameDay(d, now) ? HOUR_MINUTE.format(d) : `${WEEKDAY_DAY_MONTH.format(d)} ${HOUR_MINUTE.format(d)}`));
}

/**
 * @param {Date} a
 * @param {Date} b
 */
export function isSameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * How long a state lasted: "less than a minute", "4 mins", "3 hrs 12 mins", "2 days 5 hrs".
 * @param {number} ms
 */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const min = Math.floor(ms / MINUTE_MS);
  if (min < 1) return 'less than a minute';
  if (min < 60) return MINUTES.format(min);
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${HOURS.format(h)} ${MINUTES.format(min % 60)}` : HOURS.format(h);
  const d = Math.floor(h / 24);
  return h % 24 ? `${DAYS.format(d)} ${HOURS.format(h % 24)}` : DAYS.format(d);
}

/**
 * How long a run took: "842 ms", "1.5 secs", "2 mins 3 secs"; "—" when unknown.
 * @param {number | null | undefined} ms
 */
export function formatElapsed(ms) {
  const n = Number(ms);
  if (ms === null || ms === undefined || !Number.isFinite(n) || n < 0) return '—';
  if (n < 1000) return MILLISECONDS.format(Math.round(n));
  if (n < MINUTE_MS) return SECONDS_TENTHS.format(n / 1000);
  return `${MINUTES.format(Math.floor(n / MINUTE_MS))} ${SECONDS.format(Math.round((n % MINUTE_MS) / 1000))}`;
}

/**
 * An age: "just now", "12 min ago", "3 hr ago", "2 days ago" (hours up to two days).
 * @param {number} ms
 */
export function formatAgo(ms) {
  if (!Number.isFinite(ms)) return '';
  const min = Math.floor(Math.max(0, ms) / MINUTE_MS);
  if (min < 1) return 'just now';
  if (min < 60) return AGO.format(-min, 'minute');
  const h = Math.floor(min / 60);
  if (h < 48) return AGO.format(-h, 'hour');
  return AGO.format(-Math.floor(h / 24), 'day');
}

/** "in 3 days", "in 1 day". @param {number} days */
export const formatInDays = (days) => IN_DAYS.format(days, 'day');

/** A count: "2,140"; "—" when there is none. @param {number | string | null | undefined} value */
export function formatCount(value) {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  return Number.isFinite(n) ? COUNT.format(n) : '—';
}

/** Percent with one decimal: 99.68 -> "99.7%"; null -> "—". @param {number | null | undefined} value */
export function formatPercent(value) {
  if (value === null || value === undefined) return '—';
  const n = Number(value);
  return Number.isFinite(n) ? PERCENT_TENTHS.format(n / 100) : '—';
}

/** Whole percent: 90 -> "90%". @param {number} value */
export const formatWholePercent = (value) => PERCENT.format(value / 100);

/** Milliseconds of latency: "42 ms"; "—" when unknown. @param {number | null | undefined} ms */
export function formatLatency(ms) {
  if (ms === null || ms === undefined) return '—';
  const n = Number(ms);
  return Number.isFinite(n) ? MILLISECONDS.format(Math.round(n)) : '—';
}

/** "operator" -> "Operator": a core value (role, trigger, status) shown as a word. @param {unknown} s */
export function capitalize(s) {
  const v = String(s ?? '');
  return v ? v.charAt(0).toUpperCase() + v.slice(1) : '';
}

/**
 * "windows_devices" -> "Windows devices", like the core's own labels. Only for resource names
 * that arrive without a `label` (an instance's own license usage); use `label` where sent.
 * @param {string} key
 */
export function resourceLabel(key) {
  const s = String(key ?? '').replace(/[_-]/g, ' ').trim();
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
}
