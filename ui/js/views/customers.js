// Customer Management table (#customer-table), Sync Now / Sync All.
// Rows are built from a cloned template into a DocumentFragment; health updates
// touch only the row's .health-icon attributes, sync updates only the Status cell.
import { invoke, listen } from '../api.js';
import { byId, el, svg } from '../dom.js';
import { SERVER_HEALTH, PENCIL, TRASH, LICENSE } from '../icons.js';
import { Store } from '../store.js';
import { normState, isWarning, healthTooltip, syncState, syncTooltip, SYNC_STATUS } from '../format.js';
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

/** Fill the Status cell (td.col-status) from a customer's status + sync. */
export function applySyncCell(td, c) {
  const sync = (c && c.sync) || null;
  const state = syncState(sync);
  const status = String((c && c.status) || SYNC_STATUS[state]);
  if (td.dataset.sync !== state) td.dataset.sync = state;
  const info = td.firstChild.children[1];
  const text = info.firstChild;
  const reason = info.lastChild;
  if (text.textContent !== status) text.textContent = status;
  const why = state === 'failed' && sync && sync.reason ? String(sync.reason) : '';
  if (reason.textContent !== why) reason.textContent = why;
  info.title = syncTooltip(status, sync);
}

let rowTemplate = null;
function getRowTemplate() {
  if (rowTemplate) return rowTemplate;
  const action = (name, label, markup) =>
    el('button', { type: 'button', class: `icon-button action-${name}${name === 'license' ? '' : ' admin-only'}`, 'data-action': name, 'aria-label': label, title: label }, svg(markup));
  const icon = el('span', { class: 'health-icon', role: 'img', 'data-state': 'unknown', 'aria-label': HEALTH_LABEL.unknown }, svg(SERVER_HEALTH));
  rowTemplate = el('tr', { class: 'customer-row' },
    el('td', { class: 'col-health' }, icon),
    el('td', { class: 'col-name' }, el('button', { type: 'button', class: 'customer-link cell-name', 'data-action': 'detail' })),
    el('td', { class: 'col-email' }),
    el('td', { class: 'col-server' }),
    el('td', { class: 'col-port' }),
    el('td', { class: 'col-conn' }, el('span', { class: 'conn-badge' })),
    el('td', { class: 'col-status', 'data-sync': 'never' },
      el('div', { class: 'status-cell' },
        el('span', { class: 'sync-marker', 'aria-hidden': 'true' }),
        el('span', { class: 'status-info' },
          el('span', { class: 'status-text' }),
          el('span', { class: 'status-reason' })),
        el('button', { type: 'button', class: 'sync-now', 'data-action': 'sync', 'aria-label': 'Sync Now', text: 'Sync Now' }))),
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
  applySyncCell(cells[6], c);
  return tr;
}

function buildRow(c, since) {
  return fillRow(getRowTemplate().cloneNode(true), c, since);
}

/** Toast for a failed call; `forbidden` and the rest alike ("locked" is the lock handler's). */
export function toastError(err, prefix = '') {
  if (!err || err.code === 'locked') return;
  showToast(err.code === 'forbidden' ? err.message : `${prefix}${err.message}`, 'error');
}

const syncing = new Map(); // id -> promise of the running sync_customer call

/**
 * Sync Now for one customer: shows "Sync in progress" at once, then the
 * returned Customer replaces the row's data. A second call while one runs
 * joins it. Rejects with the ApiError (after restoring the previous state).
 */
export function syncCustomer(store, id) {
  const key = String(id);
  if (syncing.has(key)) return syncing.get(key);
  const c = store.getCustomer(key);
  const prev = c ? { status: c.status, sync: c.sync || { state: 'never', at: null, reason: null } } : null;
  const optimistic = { state: 'running', at: prev && prev.sync ? prev.sync.at ?? null : null, reason: null };
  if (c) store.setSync(key, SYNC_STATUS.running, optimistic);
  const run = (async () => {
    try {
      const customer = await invoke('sync_customer', { id: c ? c.id : id });
      if (customer && customer.id !== undefined && store.getCustomer(customer.id)) store.upsertCustomer(customer);
      return customer;
    } catch (err) {
      const cur = store.getCustomer(key);
      if (cur && prev && cur.sync === optimistic) store.setSync(key, prev.status, prev.sync);
      if (err.code === 'not_found') store.removeCustomer(key);
      throw err;
    } finally {
      syncing.delete(key);
    }
  })();
  syncing.set(key, run);
  return run;
}

export function initCustomers(store, { openAdd, openEdit, openDelete, openDetail, openLicense }) {
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

  // Sync state of one customer (Sync Now, sync-updated events): the Status cell only.
  store.addEventListener('sync-changed', (e) => {
    const tr = rows.get(e.detail.id);
    if (tr) applySyncCell(tr.cells[6], e.detail.customer);
  });
  store.addEventListener('sync-batch', (e) => {
    for (const id of e.detail.ids) {
      const tr = rows.get(id);
      const c = tr && store.getCustomer(id);
      if (c) applySyncCell(tr.cells[6], c);
    }
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
      case 'license': openLicense(customer, btn); break;
      case 'detail': openDetail(customer, btn); break;
      case 'sync':
        syncCustomer(store, customer.id).catch((err) => toastError(err, `Sync of "${customer.name}" failed: `));
        break;
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
      toastError(err);
    } finally {
      checkBtn.disabled = false;
      checkBtn.removeAttribute('aria-busy');
      checkBtn.textContent = 'Check health';
    }
  });

  initSyncAll(store);
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

/** Sync All (#sync-all-button) and its progress area (#sync-progress), driven by sync-progress events. */
function initSyncAll(store) {
  const button = byId('sync-all-button');
  const area = byId('sync-progress');
  const text = byId('sync-progress-text');
  const bar = byId('sync-progress-bar');
  const spinner = byId('sync-progress-spinner');
  const cancel = byId('sync-cancel');
  const HIDE_AFTER_MS = 5000;

  let hideTimer = null;
  let starting = false; // sync_all call in flight
  let running = false; // the backend reports a run
  let cancelling = false;
  let sawEvent = false; // a sync-progress event arrived since the click
  let queued = null; // last progress, rendered once per frame
  let scheduled = false;

  const num = (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 ? Math.floor(Number(v)) : 0);

  function setButton() {
    const busy = starting || running;
    button.disabled = busy;
    button.setAttribute('aria-busy', busy ? 'true' : 'false');
    button.textContent = busy ? 'Syncing…' : 'Sync All';
  }

  function setCancel() {
    cancel.hidden = !running;
    cancel.disabled = cancelling;
    cancel.textContent = cancelling ? 'Cancelling…' : 'Cancel';
  }

  function render(p) {
    const done = num(p.done), total = num(p.total), failed = num(p.failed);
    clearTimeout(hideTimer);
    hideTimer = null;
    area.hidden = false;
    bar.max = Math.max(1, total);
    bar.value = Math.min(done, Math.max(1, total));
    running = p.running === true;
    if (running) {
      area.dataset.state = 'running';
      spinner.hidden = false;
      text.textContent = `Syncing ${done} of ${total} · ${failed} failed`;
    } else {
      cancelling = false;
      spinner.hidden = true;
      if (p.cancelled) {
        area.dataset.state = 'cancelled';
        text.textContent = `Sync cancelled after ${done} of ${total}`;
      } else {
        area.dataset.state = failed > 0 ? 'failed' : 'done';
        text.textContent = `Sync finished: ${Math.max(0, done - failed)} synced, ${failed} failed`;
      }
      hideTimer = setTimeout(() => { area.hidden = true; hideTimer = null; }, HIDE_AFTER_MS);
    }
    setCancel();
    setButton();
  }

  function queue(p) {
    if (!p || typeof p !== 'object' || !store.session) return;
    sawEvent = true;
    queued = p;
    if (scheduled) return;
    scheduled = true;
    let done = false;
    const flush = () => {
      if (done) return;
      done = true;
      scheduled = false;
      const last = queued;
      queued = null;
      if (last) render(last);
    };
    requestAnimationFrame(flush);
    setTimeout(flush, 250);
  }

  listen('sync-progress', queue).catch((e) => console.warn('sync-progress listener failed', e));

  button.addEventListener('click', async () => {
    if (button.disabled || !store.session) return;
    starting = true;
    sawEvent = false;
    setButton();
    try {
      const res = await invoke('sync_all');
      const total = num(res && res.total);
      if (total === 0) showToast('There are no customers to sync.', 'info');
      else if (!sawEvent) render({ done: 0, total, failed: 0, running: true, cancelled: false });
    } catch (err) {
      toastError(err, 'Sync All failed: ');
    } finally {
      starting = false;
      setButton();
    }
  });

  cancel.addEventListener('click', async () => {
    if (cancel.disabled || !running) return;
    cancelling = true;
    setCancel();
    try {
      await invoke('cancel_sync_all');
    } catch (err) {
      cancelling = false;
      setCancel();
      toastError(err);
    }
  });

  store.addEventListener('session-changed', (e) => {
    if (e.detail.session) return;
    clearTimeout(hideTimer);
    hideTimer = null;
    area.hidden = true;
    starting = running = cancelling = false;
    queued = null;
    setButton();
    setCancel();
  });
}
