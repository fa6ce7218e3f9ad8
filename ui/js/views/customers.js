// Customer Management table (#customer-table).
// Rows are built from a cloned template into a DocumentFragment; health updates
// touch only the row's .health-icon attributes.
import { invoke } from '../api.js';
import { byId, el, svg } from '../dom.js';
import { SERVER_HEALTH, PENCIL, TRASH, LICENSE } from '../icons.js';
import { Store } from '../store.js';
import { normState, isWarning, healthTooltip } from '../format.js';
import { showToast } from './toast.js';

const HEALTH_LABEL = { up: 'Server up', down: 'Server down', unknown: 'Server status unknown' };

/** Set a .health-icon's state, warning flag, label and tooltip (attributes only). */
export function applyHealth(icon, health, since = null) {
  const state = normState(health);
  const warning = isWarning(health);
  if (icon.dataset.state !== state) icon.dataset.state = state;
  if (warning) icon.dataset.warning = 'true';
  else if (icon.dataset.warning) delete icon.dataset.warning;
  icon.setAttribute('aria-label', warning ? 'Server up with a warning' : HEALTH_LABEL[state]);
  icon.title = healthTooltip(health, since);
}

let rowTemplate = null;
function getRowTemplate() {
  if (rowTemplate) return rowTemplate;
  const action = (name, label, markup) =>
    el('button', { type: 'button', class: `icon-button action-${name}`, 'data-action': name, 'aria-label': label, title: label }, svg(markup));
  const icon = el('span', { class: 'health-icon', role: 'img', 'data-state': 'unknown', 'aria-label': HEALTH_LABEL.unknown }, svg(SERVER_HEALTH));
  rowTemplate = el('tr', { class: 'customer-row' },
    el('td', { class: 'col-health' }, icon),
    el('td', { class: 'col-name' }, el('button', { type: 'button', class: 'customer-link cell-name', 'data-action': 'detail' })),
    el('td', { class: 'col-email' }),
    el('td', { class: 'col-server' }),
    el('td', { class: 'col-port' }),
    el('td', { class: 'col-conn' }, el('span', { class: 'conn-badge' })),
    el('td', { class: 'col-status' }, el('span', { class: 'status-text' })),
    el('td', { class: 'col-actions' },
      el('div', { class: 'row-actions' },
        action('edit', 'Edit', PENCIL),
        action('delete', 'Delete', TRASH),
        action('license', 'License', LICENSE))));
  return rowTemplate;
}

function fillRow(tr, c, since) {
  tr.dataset.customerId = String(c.id);
  tr.dataset.customerName = String(c.name ?? '');
  const cells = tr.cells;
  applyHealth(cells[0].firstChild, c.health, since);
  const name = cells[1].firstChild;
  name.textContent = String(c.name ?? '');
  name.title = `Show details of ${c.name ?? ''}`;
  cells[2].textContent = String(c.email ?? '');
  cells[2].title = String(c.email ?? '');
  cells[3].textContent = String(c.server ?? '');
  cells[3].title = String(c.server ?? '');
  cells[4].textContent = c.port === null || c.port === undefined ? '' : String(c.port);
  const conn = String(c.connectionType ?? '');
  const badge = cells[5].firstChild;
  badge.textContent = conn;
  badge.dataset.conn = conn.toLowerCase();
  const status = cells[6].firstChild;
  status.textContent = String(c.status ?? '');
  status.title = String(c.status ?? '');
  return tr;
}

function buildRow(c, since) {
  return fillRow(getRowTemplate().cloneNode(true), c, since);
}

export function initCustomers(store, { openAdd, openEdit, openDelete, openDetail }) {
  const tbody = byId('customer-tbody');
  const empty = byId('customer-empty');
  const loading = byId('customer-loading');
  const count = byId('customer-count');
  const table = byId('customer-table');
  const rows = new Map(); // id -> <tr>

  function updateEmpty() {
    const n = rows.size;
    const isEmpty = store.loaded && n === 0;
    empty.hidden = !isEmpty;
    table.classList.toggle('is-empty', isEmpty);
    loading.hidden = store.loaded;
    count.textContent = n === 0 ? '' : n === 1 ? '1 customer' : `${n} customers`;
  }

  // Big lists: the first rows go in at once, the rest in chunks so the window
  // stays responsive. Every row is built up front (cheap) so health events and
  // lookups work immediately; any structural change flushes pending chunks first.
  const FIRST_CHUNK = 200;
  const CHUNK = 400;
  let pending = null; // { rows: tr[], next: index }

  function flushPending() {
    if (!pending) return;
    const frag = document.createDocumentFragment();
    for (let i = pending.next; i < pending.rows.length; i++) frag.append(pending.rows[i]);
    pending = null;
    tbody.append(frag);
  }

  function appendChunk(job) {
    if (pending !== job) return; // superseded or flushed
    const end = Math.min(job.next + CHUNK, job.rows.length);
    const frag = document.createDocumentFragment();
    for (let i = job.next; i < end; i++) frag.append(job.rows[i]);
    job.next = end;
    tbody.append(frag);
    if (end >= job.rows.length) pending = null;
    else setTimeout(() => appendChunk(job), 0);
  }

  function renderAll(list) {
    pending = null;
    rows.clear();
    const built = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const tr = buildRow(list[i], store.sinceFor(list[i].id, normState(list[i].health)));
      rows.set(String(list[i].id), tr);
      built[i] = tr;
    }
    const frag = document.createDocumentFragment();
    const first = Math.min(FIRST_CHUNK, built.length);
    for (let i = 0; i < first; i++) frag.append(built[i]);
    tbody.replaceChildren(frag);
    if (first < built.length) {
      pending = { rows: built, next: first };
      const job = pending;
      setTimeout(() => appendChunk(job), 0);
    }
    updateEmpty();
  }

  /** Insert a detached tr at its sorted position (the table is sorted by name). */
  function placeRow(tr, customer) {
    // Binary search over the current rows in DOM order.
    const children = tbody.rows;
    let lo = 0, hi = children.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = children[mid];
      if (Store.compare({ name: other.dataset.customerName }, customer) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const ref = children[lo] || null;
    if (ref !== tr) tbody.insertBefore(tr, ref);
  }

  store.addEventListener('customers-reset', (e) => renderAll(e.detail.customers));

  store.addEventListener('customer-upserted', (e) => {
    const { customer } = e.detail;
    flushPending();
    const id = String(customer.id);
    let tr = rows.get(id);
    const oldName = tr ? tr.dataset.customerName : null;
    const since = store.sinceFor(id, normState(customer.health));
    if (tr) {
      fillRow(tr, customer, since);
      if (oldName !== String(customer.name ?? '')) {
        tr.remove();
        placeRow(tr, customer);
      }
    } else {
      tr = buildRow(customer, since);
      rows.set(id, tr);
      placeRow(tr, customer);
    }
    tr.classList.remove('row-flash');
    void tr.offsetWidth; // restart the highlight animation
    tr.classList.add('row-flash');
    updateEmpty();
  });

  store.addEventListener('customer-removed', (e) => {
    flushPending();
    const tr = rows.get(e.detail.id);
    if (tr) {
      tr.remove();
      rows.delete(e.detail.id);
    }
    updateEmpty();
  });

  // Called once per customer of a coalesced batch (see store.queueHealth):
  // a Map lookup and a few attribute writes, never a re-render.
  store.addEventListener('health-changed', (e) => {
    const { id, health } = e.detail;
    const tr = rows.get(id);
    if (tr) applyHealth(tr.cells[0].firstChild, health, store.sinceFor(id, normState(health)));
  });

  // customer_health told us when the current state began: refresh the tooltip.
  store.addEventListener('since-changed', (e) => {
    const { id } = e.detail;
    const tr = rows.get(id);
    const c = store.getCustomer(id);
    if (tr && c) applyHealth(tr.cells[0].firstChild, c.health, store.sinceFor(id, normState(c.health)));
  });

  // One delegated listener for every row action.
  tbody.addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-action]');
    if (!btn || !tbody.contains(btn)) return;
    const tr = btn.closest('tr');
    const customer = store.getCustomer(tr.dataset.customerId);
    if (!customer) return;
    switch (btn.dataset.action) {
      case 'edit': openEdit(customer, btn); break;
      case 'delete': openDelete(customer, btn); break;
      case 'license': showToast('License Management arrives in a later release.', 'info'); break;
      case 'detail': openDetail(customer, btn); break;
      default: break;
    }
  });

  byId('add-customer-link').addEventListener('click', (e) => openAdd(e.currentTarget));

  const checkBtn = byId('check-health-button');
  checkBtn.addEventListener('click', async () => {
    if (checkBtn.disabled) return;
    checkBtn.disabled = true;
    checkBtn.setAttribute('aria-busy', 'true');
    checkBtn.textContent = 'Checking…';
    try {
      const list = await invoke('check_health');
      store.setCustomers(list);
      const s = store.summary();
      showToast(`Health check finished: ${s.up} up, ${s.down} down, ${s.unknown} unknown.`, 'info');
    } catch (err) {
      if (err.code !== 'locked') showToast(err.message, 'error');
    } finally {
      checkBtn.disabled = false;
      checkBtn.removeAttribute('aria-busy');
      checkBtn.textContent = 'Check health';
    }
  });

  updateEmpty();

  return {
    async load() {
      loading.hidden = false;
      try {
        store.setCustomers(await invoke('list_customers'));
      } catch (err) {
        if (err.code !== 'locked') {
          loading.hidden = true;
          showToast(`Could not load customers: ${err.message}`, 'error');
        }
      }
    },
  };
}
