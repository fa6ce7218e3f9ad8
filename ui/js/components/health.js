// @ts-check
// A customer's health as the screen shows it: the state's name, the server icon's attributes
// (CSS draws the arrow for data-state) and its tooltip. Shared by the customer table and the
// detail dialog. Touches only the attributes of an icon it is given; must never fetch anything.
import { formatLatency, formatTime, toDate } from '../lib/format.js';

/** @import { Health, HealthState } from '../types' */

/** @type {Record<HealthState, string>} */
export const STATE_NAME = { up: 'Up', down: 'Down', unknown: 'Unknown' };

/** @type {Record<HealthState, string>} */
const ICON_LABEL = { up: 'Server up', down: 'Server down', unknown: 'Server status unknown' };

/**
 * The state, "unknown" for anything unexpected (or no health yet).
 * @param {Pick<Health, 'state'> | null | undefined} health
 * @returns {HealthState}
 */
export function normState(health) {
  const s = health && health.state;
  return s === 'up' || s === 'down' ? s : 'unknown';
}

/**
 * Up but with a reason: a warning (stopped components, a failed check not yet Down).
 * @param {Health | null | undefined} health
 */
export function isWarning(health) {
  return normState(health) === 'up' && !!(health && health.reason);
}

/**
 * The health icon's tooltip:
 *   Up · checked 12:03:04 · 42 ms [· warning: reason]
 *   Down since 12:01:30 · reason · checked 12:03:04   (Down · … when `since` is unknown)
 *   Not checked yet | Unknown · reason · checked 12:03:04
 * @param {Health | null | undefined} health
 * @param {string | null} [since]  when the current state began, if known
 */
export function healthTooltip(health, since = null) {
  const state = normState(health);
  const checked = health && toDate(health.checkedAt) ? `checked ${formatTime(health.checkedAt)}` : '';
  const reason = health && health.reason ? String(health.reason) : '';
  const parts = [];
  if (state === 'up') {
    parts.push('Up', checked);
    if (health && health.latencyMs !== null && health.latencyMs !== undefined) parts.push(formatLatency(health.latencyMs));
    if (reason) parts.push(`warning: ${reason}`);
  } else if (state === 'down') {
    parts.push(toDate(since) ? `Down since ${formatTime(since)}` : 'Down', reason, checked);
  } else {
    if (!checked && !reason) return 'Not checked yet';
    parts.push('Unknown', reason, checked);
  }
  return parts.filter(Boolean).join(' · ');
}

/**
 * Sets a .health-icon's state, warning flag, label and tooltip (attributes only).
 * @param {HTMLElement} icon
 * @param {Health | null | undefined} health
 * @param {string | null} [since]
 */
export function applyHealth(icon, health, since = null) {
  const state = normState(health);
  const warning = isWarning(health);
  if (icon.dataset.state !== state) icon.dataset.state = state;
  if (warning) icon.dataset.warning = 'true';
  else if (icon.dataset.warning) delete icon.dataset.warning;
  icon.setAttribute('aria-label', warning ? 'Server up with a warning' : ICON_LABEL[state]);
  icon.title = healthTooltip(health, since);
}

/** The label of an icon whose customer has no health yet. */
export const UNKNOWN_ICON_LABEL = ICON_LABEL.unknown;
