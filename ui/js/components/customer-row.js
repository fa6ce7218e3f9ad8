// @ts-check
// One row of the Customer Management table (#customer-table): built once as a template and
// cloned, then filled from a Customer. A health change touches only the .health-icon attributes,
// a sync change only the Status cell. Owns a row's cells; must never fetch anything, and puts
// text in through textContent only.
import { el, svg } from '../lib/dom.js';
import { SERVER_HEALTH, PENCIL, TRASH, LICENSE } from '../icons.js';
import { applyHealth, UNKNOWN_ICON_LABEL } from './health.js';
import { syncState, syncTooltip } from './sync.js';

/** @import { Customer, Health } from '../types' */

/** Cell positions (tr.cells). */
const CELL = { health: 0, name: 1, email: 2, server: 3, port: 4, conn: 5, status: 6 };

/** @type {HTMLTableRowElement | null} */
let template = null;

/**
 * @param {'edit' | 'delete' | 'license'} name
 * @param {string} label
 * @param {string} markup
 */
function actionButton(name, label, markup) {
  const cls = `icon-button action-${name}${name === 'license' ? '' : ' admin-only'}`;
  return el('button', { type: 'button', class: cls, 'data-action': name, 'aria-label': label, title: label }, svg(markup));
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
  template = el('tr', { class: 'customer-row' },
    el('td', { class: 'col-health' }, icon),
    el('td', { class: 'col-name' }, el('button', { type: 'button', class: 'customer-link cell-name', 'data-action': 'detail' })),
    el('td', { class: 'col-email' }),
    el('td', { class: 'col-server' }),
    el('td', { class: 'col-port' }),
    el('td', { class: 'col-conn' }, el('span', { class: 'conn-badge' })),
    statusCell(),
    el('td', { class: 'col-actions' },
      el('div', { class: 'row-actions' },
        actionButton('edit', 'Edit', PENCIL),
        actionButton('delete', 'Delete', TRASH),
        actionButton('license', 'License', LICENSE))));
  return template;
}

/**
 * A new row for `c`.
 * @param {Customer} c
 * @param {string | null} since  when its health state began, if known
 */
export function buildRow(c, since) {
  return fillRow(/** @type {HTMLTableRowElement} */ (rowTemplate().cloneNode(true)), c, since);
}

/**
 * Writes `c` into an existing row.
 * @param {HTMLTableRowElement} tr
 * @param {Customer} c
 * @param {string | null} since
 */
export function fillRow(tr, c, since) {
  tr.dataset.customerId = String(c.id);
  tr.dataset.customerName = String(c.name ?? '');
  const cells = tr.cells;
  setRowHealth(tr, c.health, since);
  const name = /** @type {HTMLElement} */ (cells[CELL.name].firstChild);
  name.textContent = String(c.name ?? '');
  name.title = `Show details of ${c.name ?? ''}`;
  setTextAndTitle(cells[CELL.email], String(c.email ?? ''));
  setTextAndTitle(cells[CELL.server], String(c.server ?? ''));
  cells[CELL.port].textContent = c.port === null || c.port === undefined ? '' : String(c.port);
  const conn = String(c.connectionType ?? '');
  const badge = /** @type {HTMLElement} */ (cells[CELL.conn].firstChild);
  badge.textContent = conn;
  badge.dataset.conn = conn.toLowerCase();
  setRowSync(tr, c);
  return tr;
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
 * The Status cell: the core's status label, the failure reason, the tooltip, data-sync for CSS.
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
  const reason = /** @type {HTMLElement} */ (info.lastChild);
  if (text.textContent !== status) text.textContent = status;
  const why = state === 'failed' && sync && sync.reason ? String(sync.reason) : '';
  if (reason.textContent !== why) reason.textContent = why;
  info.title = syncTooltip(status, sync);
}
