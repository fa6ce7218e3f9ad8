// Formatting of times, durations, percentages and health tooltips (pure functions).

export function normState(health) {
  const s = health && health.state;
  return s === 'up' || s === 'down' ? s : 'unknown';
}

export const STATE_NAME = { up: 'Up', down: 'Down', unknown: 'Unknown' };

/** RFC 3339 string, epoch seconds or epoch ms -> Date (or null). */
export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const d = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const pad = (n) => String(n).padStart(2, '0');

/** 12:03:04 */
export function formatTime(value) {
  const d = toDate(value);
  if (!d) return value == null ? '' : String(value);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 12:03 */
export function formatHm(value) {
  const d = toDate(value);
  if (!d) return value == null ? '' : String(value);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "12:03" today, otherwise "Mon 24 Nov 12:03". */
export function formatWhen(value, now = new Date()) {
  const d = toDate(value);
  if (!d) return value == null ? '' : String(value);
  if (sameDay(d, now)) return formatHm(d);
  const day = d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });
  return `${day} ${formatHm(d)}`;
}

/** "Mon 24 Nov 2025, 12:03:04" for title attributes. */
export function formatFull(value) {
  const d = toDate(value);
  if (!d) return value == null ? '' : String(value);
  const day = d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  return `${day}, ${formatTime(d)}`;
}

/** Milliseconds -> "less than a minute", "4 min", "3 h 12 min", "2 d 5 h". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const min = Math.floor(ms / 60000);
  if (min < 1) return 'less than a minute';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** 99.68 -> "99.7 %", null -> "—". */
export function formatPercent(value) {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  if (!Number.isFinite(n)) return '—';
  return `${n.toFixed(1)} %`;
}

export function formatLatency(ms) {
  if (ms === null || ms === undefined || ms === '') return '—';
  const n = Number(ms);
  return Number.isFinite(n) ? `${Math.round(n)} ms` : '—';
}

/** Up but with a reason: a warning (stopped components, a failed check not yet Down). */
export function isWarning(health) {
  return normState(health) === 'up' && !!(health && health.reason);
}

/**
 * The health icon's tooltip.
 *   Up · checked 12:03:04 · 42 ms [· warning: reason]
 *   Down since 12:01:30 · reason · checked 12:03:04   (since known)
 *   Down · reason · checked 12:03:04
 *   Not checked yet | Unknown · reason · checked 12:03:04
 */
export function healthTooltip(health, since = null) {
  const state = normState(health);
  const h = health || {};
  const checked = toDate(h.checkedAt) ? `checked ${formatTime(h.checkedAt)}` : '';
  const reason = h.reason ? String(h.reason) : '';
  const parts = [];
  if (state === 'up') {
    parts.push('Up');
    if (checked) parts.push(checked);
    if (h.latencyMs !== null && h.latencyMs !== undefined && h.latencyMs !== '') parts.push(`${h.latencyMs} ms`);
    if (reason) parts.push(`warning: ${reason}`);
  } else if (state === 'down') {
    parts.push(toDate(since) ? `Down since ${formatTime(since)}` : 'Down');
    if (reason) parts.push(reason);
    if (checked) parts.push(checked);
  } else {
    if (!checked && !reason) return 'Not checked yet';
    parts.push('Unknown');
    if (reason) parts.push(reason);
    if (checked) parts.push(checked);
  }
  return parts.join(' · ');
}

/** "25 Nov 12:03" */
export function formatDayHm(value) {
  const d = toDate(value);
  if (!d) return value == null ? '' : String(value);
  return `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${formatHm(d)}`;
}

/** "25 Nov 2025" */
export function formatDate(value) {
  const d = toDate(value);
  if (!d) return value == null ? '' : String(value);
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}

/** Age in ms -> "just now", "12 min ago", "3 h ago", "2 d ago". */
export function formatAgo(ms) {
  if (!Number.isFinite(ms)) return '';
  const min = Math.floor(Math.max(0, ms) / 60000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** "windows_devices" -> "Windows devices". */
export function resourceLabel(key) {
  const s = String(key ?? '').replace(/_/g, ' ').trim();
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
}

/** "operator" -> "Operator" */
export function capitalize(s) {
  const v = String(s ?? '');
  return v ? v.charAt(0).toUpperCase() + v.slice(1) : '';
}

export const SYNC_STATUS = {
  never: 'Never synced',
  running: 'Sync in progress',
  success: 'Data Collection Successful',
  failed: 'Sync failed',
};

export function syncState(sync) {
  const s = sync && sync.state;
  return s === 'running' || s === 'success' || s === 'failed' ? s : 'never';
}

/** Tooltip of the Status cell. */
export function syncTooltip(status, sync) {
  const state = syncState(sync);
  const s = sync || {};
  const text = String(status || SYNC_STATUS[state]);
  if (state === 'success' && toDate(s.at)) return `Data Collection Successful at ${formatWhen(s.at)}`;
  if (state === 'failed') {
    const parts = [text];
    if (s.reason) parts.push(String(s.reason));
    if (toDate(s.at)) parts.push(`at ${formatWhen(s.at)}`);
    return parts.join(' · ');
  }
  return text;
}
