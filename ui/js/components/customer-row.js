// @ts-check
// One row of the Customer Management table (#customer-table): built once as a template and
// cloned (the windowed table recycles rows, so any row may be filled with any customer), then
// filled from a Customer. A health change touches only the .health-icon attributes, a sync change
// only the Status cell, a trust change only the badge beside the connection type
// ("unencrypted", "Certificate changed", "Certificate expiring"), a tag change only the chips
// under the name, a quiet change only the "Muted until …" / "Maintenance until …" badge beside
// the name, and while this computer is offline the name line says "not checked since …".
// Owns a row's cells; must never fetch anything, and puts text in through
// textContent only.
import { el, svg } from '../lib/dom.js';
import { formatDate, formatWhen, toDate } from '../lib/format.js';
import { SERVER_HEALTH, PENCIL, TRASH, LICENSE, TAG, CONSOLE, BELL_OFF } from '../icons.js';
import { applyHealth, UNKNOWN_ICON_LABEL } from './health.js';
import { syncState, syncTooltip } from './sync.js';
import { shortFingerprint } from './certificate.js';
import { tagChips } from './tags.js';
import { quietNow, quietText, quietTitle } from './quiet.js';

/** @import { Customer, Health, Tag } from '../types' */
/** @typedef {(id: number) => Tag | null} TagLookup */

/** Cell positions (tr.cells). */
const CELL = { select: 0, health: 1, name: 2, email: 3, server: 4, conn: 5, status: 6 };
/** How many cells a row has. */
export const ROW_CELLS = 8;

/** @type {HTMLTableRowElement | null} */
let template = null;

/** Who may use a row button (CSS hides it from the others; the core refuses anyway). */
const ROLE_CLASS = { edit: ' admin-only', delete: ' admin-only', license: '', mute: ' not-guest', console: ' not-guest' };

/**
 * @param {'edit' | 'delete' | 'license' | 'mute' | 'console'} name
 * @param {string} label
 * @param {string} markup
 */
function actionButton(name, label, markup) {
  const cls = `icon-button action-${name}${ROLE_CLASS[name]}`;
  const btn = el('button', { type: 'button', class: cls, 'data-action': name, 'aria-label': label, title: label }, svg(markup));
  if (name === 'mute') btn.setAttribute('aria-haspopup', 'menu');
  return btn;
}

/** When this computer went offline (connectivity-changed); null while online. @type {string | null} */
let offlineSince = null;

/**
 * Rows filled from now on say "not checked since …" while `since` is set.
 * @param {string | null} since
 */
export function setRowsOffline(since) {
  offlineSince = since;
}

function statusCell() {
  return el('td', { class: 'col-status', 'data-sync': 'never' },
    el('div', { class: 'status-cell' },
      el('span', { class: 'sync-marker', 'aria-hidden': 'true' }),
      el('span', { class: 'status-info' },
        el('span', { class: 'status-text' }),
        el('span', { class: 'status-reason' })),
      el('button', { type: 'button', class: 'sync-now', 'data-action': 'sync', 'aria-label': 'Sync Now', text: 'Sync Now' })));
}

function rowTemplate() {
  if (template) return template;
  const icon = el('span', { class: 'health-icon', role: 'img', 'data-state': 'unknown', 'aria-label': UNKNOWN_ICON_LABEL }, svg(SERVER_HEALTH));
  template = el('tr', { class: 'customer-row', tabindex: '-1' },
    el('td', { class: 'col-select' }, el('input', { type: 'checkbox', class: 'row-check', 'aria-label': 'Select' })),
    el('td', { class: 'col-health' }, icon),
    el('td', { class: 'col-name' },
      el('div', { class: 'name-cell' },
        el('button', { type: 'button', class: 'customer-link cell-name', 'data-action': 'detail' }),
        // Under the name: the quiet badge, "not checked since …", the tag chips.
        el('div', { class: 'row-sub', hidden: true },
          el('span', { class: 'row-quiet', hidden: true }),
          el('span', { class: 'row-stale', hidden: true }),
          el('span', { class: 'row-tags' })),
        el('button', { type: 'button', class: 'row-tag-edit admin-only', 'data-action': 'tags', 'aria-label': 'Edit tags', title: 'Edit tags' }, svg(TAG)))),
    el('td', { class: 'col-email' }),
    el('td', { class: 'col-server' }),
    el('td', { class: 'col-conn' },
      el('div', { class: 'conn-cell' },
        el('span', { class: 'conn-badge' }),
        // What the row says about its certificate; a click shows more (data-action "badge").
        el('button', { type: 'button', class: 'row-badge', 'data-action': 'badge', hidden: true }))),
    statusCell(),
    el('td', { class: 'col-actions' },
      el('div', { class: 'row-actions' },
        actionButton('console', 'Open console', CONSOLE),
        actionButton('mute', 'Mute', BELL_OFF),
        actionButton('edit', 'Edit', PENCIL),
        actionButton('delete', 'Delete', TRASH),
        actionButton('license', 'License', LICENSE))));
  return template;
}

/** A new, empty row (fillRow writes a customer into it). */
export function emptyRow() {
  return /** @type {HTMLTableRowElement} */ (rowTemplate().cloneNode(true));
}

/**
 * Writes `c` into a row (new or recycled).
 * @param {HTMLTableRowElement} tr
 * @param {Customer} c
 * @param {string | null} since  when its health state began, if known
 * @param {TagLookup} tags
 */
export function fillRow(tr, c, since, tags) {
  tr.dataset.customerId = String(c.id);
  tr.dataset.customerName = String(c.name ?? '');
  const cells = tr.cells;
  const check = /** @type {HTMLInputElement} */ (cells[CELL.select].firstChild);
  check.setAttribute('aria-label', `Select ${c.name ?? ''}`);
  setRowHealth(tr, c.health, since);
  const name = /** @type {HTMLElement} */ (cells[CELL.name].firstChild?.firstChild);
  name.textContent = String(c.name ?? '');
  name.title = `Show details of ${c.name ?? ''}`;
  setTextAndTitle(cells[CELL.email], String(c.email ?? ''));
  setTextAndTitle(cells[CELL.server], serverAndPort(c));
  const conn = String(c.connectionType ?? '');
  const badge = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (cells[CELL.conn].firstChild).firstChild);
  badge.textContent = conn;
  badge.dataset.conn = conn.toLowerCase();
  setRowSync(tr, c);
  setRowTrust(tr, c);
  setRowTags(tr, c, tags);
  setRowQuiet(tr, c);
  return tr;
}

/**
 * The "Muted until …" / "Maintenance until …" badge beside the name (data-quiet on the row for
 * CSS and tests), and "not checked since …" while this computer is offline.
 * @param {HTMLTableRowElement} tr
 * @param {Customer} c
 */
export function setRowQuiet(tr, c) {
  const sub = subLine(tr);
  const badge = /** @type {HTMLElement} */ (sub.children[0]);
  const stale = /** @type {HTMLElement} */ (sub.children[1]);
  const q = quietNow(c);
  badge.hidden = !q;
  if (q) {
    tr.dataset.quiet = q.kind;
    badge.dataset.kind = q.kind;
    badge.textContent = quietText(q);
    badge.title = quietTitle(q);
  } else {
    delete tr.dataset.quiet;
    badge.textContent = '';
    badge.removeAttribute('title');
  }
  const checked = c.health && c.health.checkedAt;
  const note = offlineSince ? (checked ? `not checked since ${formatWhen(checked)}` : 'not checked yet') : '';
  stale.hidden = !note;
  stale.textContent = note;
  showSubLine(tr);
  const mute = tr.querySelector('button[data-action="mute"]');
  if (mute) {
    const label = q && q.kind === 'muted' ? `${quietText(q)}: change or unmute` : 'Mute';
    mute.setAttribute('aria-label', label);
    mute.setAttribute('title', label);
    mute.classList.toggle('is-on', !!q && q.kind === 'muted');
  }
}

/**
 * The row's checkbox and highlight.
 * @param {HTMLTableRowElement} tr
 * @param {boolean} on
 */
export function setRowSelected(tr, on) {
  const check = /** @type {HTMLInputElement} */ (tr.cells[CELL.select].firstChild);
  if (check.checked !== on) check.checked = on;
  tr.classList.toggle('is-selected', on);
}

/**
 * The tag chips under the name.
 * @param {HTMLTableRowElement} tr
 * @param {Customer} c
 * @param {TagLookup} tags
 */
export function setRowTags(tr, c, tags) {
  const box = /** @type {HTMLElement} */ (subLine(tr).children[2]);
  const chips = tagChips(c.tags, tags);
  box.replaceChildren(...chips);
  tr.classList.toggle('has-tags', chips.length > 0);
  showSubLine(tr);
}

/** The line under the name. @param {HTMLTableRowElement} tr */
function subLine(tr) {
  return /** @type {HTMLElement} */ (tr.cells[CELL.name].firstChild?.childNodes[1]);
}

/** The line under the name shows only when it has something to say. @param {HTMLTableRowElement} tr */
function showSubLine(tr) {
  const sub = subLine(tr);
  const [badge, stale, tags] = /** @type {HTMLElement[]} */ (Array.from(sub.children));
  sub.hidden = badge.hidden && stale.hidden && tags.childElementCount === 0;
}

/** @typedef {'unencrypted' | 'changed' | 'expiring' | 'expired'} BadgeKind */

/**
 * The one badge a customer's row shows about its certificate, and its tooltip: a changed
 * certificate before one that expires; "unencrypted" for credentials sent over HTTP.
 * @param {Customer} c
 * @returns {{ kind: BadgeKind, text: string, title: string } | null}
 */
export function trustBadge(c) {
  if (c.cleartext) {
    return { kind: 'unencrypted', text: 'unencrypted', title: 'The admin credentials go to this server unencrypted (HTTP), as chosen when it was integrated.' };
  }
  const cert = c.certificate;
  if (!cert) return null;
  if (cert.changedTo) {
    return {
      kind: 'changed',
      text: 'Certificate changed',
      title: `The server now presents certificate ${shortFingerprint(cert.changedTo)} instead of the trusted one. Nothing is sent to it until an administrator reviews and trusts the new certificate.`,
    };
  }
  if (!cert.expiringSoon) return null;
  const until = toDate(cert.notAfter);
  const expired = !!until && until.getTime() < Date.now();
  return {
    kind: expired ? 'expired' : 'expiring',
    text: expired ? 'Certificate expired' : 'Certificate expiring',
    title: `The certificate ${expired ? 'expired' : 'expires'} on ${formatDate(cert.notAfter)}. The customer renews it on their Log360 server.`,
  };
}

/**
 * The badge beside the connection type (hidden when there is nothing to say).
 * @param {HTMLTableRowElement} tr
 * @param {Customer} c
 */
export function setRowTrust(tr, c) {
  const button = /** @type {HTMLButtonElement} */ (/** @type {HTMLElement} */ (tr.cells[CELL.conn].firstChild).lastChild);
  const badge = trustBadge(c);
  button.hidden = !badge;
  if (!badge) {
    delete button.dataset.kind;
    button.textContent = '';
    button.removeAttribute('title');
    return;
  }
  button.dataset.kind = badge.kind;
  button.textContent = badge.text;
  button.title = badge.title;
}

/**
 * "log360.acme.example:8443" ("[fd00::1]:8443" for an IPv6 address): one column for both, so
 * the name keeps its room.
 * @param {Customer} c
 */
export function serverAndPort(c) {
  const server = String(c.server ?? '');
  const host = server.includes(':') && !server.startsWith('[') ? `[${server}]` : server;
  return c.port === null || c.port === undefined ? host : `${host}:${c.port}`;
}

/**
 * @param {HTMLElement} cell
 * @param {string} text
 */
function setTextAndTitle(cell, text) {
  cell.textContent = text;
  cell.title = text;
}

/**
 * The row's health icon.
 * @param {HTMLTableRowElement} tr
 * @param {Health | null | undefined} health
 * @param {string | null} since
 */
export function setRowHealth(tr, health, since) {
  applyHealth(/** @type {HTMLElement} */ (tr.cells[CELL.health].firstChild), health, since);
}

/**
 * The Status cell: the core's status label; under it the failure reason, or when the last
 * successful sync finished; the tooltip; data-sync for CSS.
 * @param {HTMLTableRowElement} tr
 * @param {Customer} c
 */
export function setRowSync(tr, c) {
  const td = tr.cells[CELL.status];
  const sync = c.sync || null;
  const state = syncState(sync);
  const status = String(c.status ?? '');
  if (td.dataset.sync !== state) td.dataset.sync = state;
  const info = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (td.firstChild).children[1]); // .status-info
  const text = /** @type {HTMLElement} */ (info.firstChild);
  const second = /** @type {HTMLElement} */ (info.lastChild);
  if (text.textContent !== status) text.textContent = status;
  const line = state === 'failed' ? String((sync && sync.reason) || '')
    : state === 'success' && sync && toDate(sync.at) ? `Last sync ${formatWhen(sync.at)}` : '';
  if (second.textContent !== line) second.textContent = line;
  info.title = syncTooltip(status, sync);
}
