// @ts-check
// Settings › Customer Management: the customer table (#customer-table), Check health, Sync Now
// on a row, and the row buttons that open the dialogs (main.js hands those in); a row's
// certificate badge opens the certificate review (administrators, "Certificate changed") or the
// detail. Big lists go in by chunks so the window stays responsive. Must never open another
// view's dialog itself, nor rebuild the table for one customer's change.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { whileBusy } from '../lib/busy.js';
import { routeError, toastError } from '../lib/errors.js';
import { formatCount } from '../lib/format.js';
import { showToast } from '../lib/toast.js';
import { Store } from '../store.js';
import { normState } from '../components/health.js';
import { syncCustomer } from '../components/sync.js';
import { buildRow, fillRow, setRowHealth, setRowSync, setRowTrust } from '../components/customer-row.js';
import { refreshTrust } from '../components/trust-refresh.js';

/** @import { Customer } from '../types' */
/** @typedef {(customer: Customer, opener: HTMLElement) => void} RowAction */
/**
 * @typedef {{
 *   openAdd: (opener: HTMLElement) => void,
 *   openEdit: RowAction, openDelete: RowAction, openDetail: RowAction, openLicense: RowAction,
 *   openReview: RowAction,
 * }} CustomerActions
 */

/** The first rows go in at once, the rest in chunks between frames. */
const FIRST_CHUNK = 200;
const CHUNK = 400;
const CHECK_BUSY = { busy: 'Checking…', idle: 'Check health' };

/**
 * rows[from..to) in one fragment: one insertion however many rows.
 * @param {HTMLTableRowElement[]} rows
 * @param {number} from
 * @param {number} to
 */
function fragmentOf(rows, from, to) {
  const frag = document.createDocumentFragment();
  for (let i = from; i < to; i++) frag.append(rows[i]);
  return frag;
}

export class CustomersView {
  /**
   * @param {Store} store
   * @param {CustomerActions} actions
   */
  constructor(store, actions) {
    this.store = store;
    this.actions = actions;
    this.tbody = byId('customer-tbody', HTMLTableSectionElement);
    /** id -> <tr>; every row is built up front so events and lookups work at once. @type {Map<string, HTMLTableRowElement>} */
    this.rows = new Map();
    /** Rows not in the table yet. @type {{ rows: HTMLTableRowElement[], next: number } | null} */
    this.pending = null;
    this.#subscribe();
    this.tbody.addEventListener('click', (e) => this.#rowClick(e));
    byId('add-customer-link').addEventListener('click', (e) => actions.openAdd(/** @type {HTMLElement} */ (e.currentTarget)));
    const checkBtn = byId('check-health-button', HTMLButtonElement);
    checkBtn.addEventListener('click', () => this.#checkHealth(checkBtn));
    this.#updateEmpty();
  }

  /** Loads the list (on entering the console). */
  async load() {
    const loading = byId('customer-loading');
    loading.hidden = false;
    try {
      this.store.setCustomers(await invoke('list_customers'));
    } catch (err) {
      routeError(err, {
        other: (e) => {
          loading.hidden = true;
          showToast(`Could not load customers: ${e.message}`, 'error');
        },
      });
    }
  }

  #subscribe() {
    const { store } = this;
    store.on('customers-reset', ({ customers }) => this.#renderAll(customers));
    store.on('customer-upserted', ({ customer }) => this.#upserted(customer));
    store.on('customer-removed', ({ id }) => this.#removed(id));
    // Once per customer of a coalesced batch: a Map lookup and a few attribute writes.
    store.on('health-changed', ({ id, health }) => {
      const tr = this.rows.get(id);
      if (tr) setRowHealth(tr, health, store.sinceFor(id, normState(health)));
    });
    // customer_health told when the current state began: refresh the tooltip.
    store.on('since-changed', ({ id }) => {
      const tr = this.rows.get(id);
      const c = store.getCustomer(id);
      if (tr && c) setRowHealth(tr, c.health, store.sinceFor(id, normState(c.health)));
    });
    // Sync state (Sync Now, sync-updated events): the Status cell only.
    store.on('sync-changed', ({ id, customer }) => {
      const tr = this.rows.get(id);
      if (tr) setRowSync(tr, customer);
    });
    store.on('sync-batch', ({ ids }) => {
      for (const id of ids) {
        const tr = this.rows.get(id);
        const c = tr && store.getCustomer(id);
        if (tr && c) setRowSync(tr, c);
      }
    });
    // A certificate changed, was trusted again, or nears its expiry: the badge only.
    store.on('trust-changed', ({ id, customer }) => {
      const tr = this.rows.get(id);
      if (tr) setRowTrust(tr, customer);
    });
  }

  #updateEmpty() {
    const n = this.rows.size;
    const isEmpty = this.store.loaded && n === 0;
    byId('customer-empty').hidden = !isEmpty;
    byId('customer-table').classList.toggle('is-empty', isEmpty);
    byId('customer-loading').hidden = this.store.loaded;
    byId('customer-count').textContent = n === 0 ? '' : n === 1 ? '1 customer' : `${formatCount(n)} customers`;
  }

  /** @param {Customer} c */
  #buildRow(c) {
    return buildRow(c, this.store.sinceFor(c.id, normState(c.health)));
  }

  /** @param {Customer[]} list */
  #renderAll(list) {
    this.pending = null;
    this.rows.clear();
    const built = list.map((c) => {
      const tr = this.#buildRow(c);
      this.rows.set(String(c.id), tr);
      return tr;
    });
    const first = Math.min(FIRST_CHUNK, built.length);
    this.tbody.replaceChildren(fragmentOf(built, 0, first));
    if (first < built.length) {
      const job = { rows: built, next: first };
      this.pending = job;
      setTimeout(() => this.#appendChunk(job), 0);
    }
    this.#updateEmpty();
  }

  /** @param {{ rows: HTMLTableRowElement[], next: number }} job */
  #appendChunk(job) {
    if (this.pending !== job) return; // superseded or flushed
    const end = Math.min(job.next + CHUNK, job.rows.length);
    this.tbody.append(fragmentOf(job.rows, job.next, end));
    job.next = end;
    if (end >= job.rows.length) this.pending = null;
    else setTimeout(() => this.#appendChunk(job), 0);
  }

  /** Any structural change puts the pending chunks in first. */
  #flushPending() {
    if (!this.pending) return;
    const { rows, next } = this.pending;
    this.pending = null;
    this.tbody.append(fragmentOf(rows, next, rows.length));
  }

  /**
   * Inserts a detached row at its sorted position (binary search over the rows by name).
   * @param {HTMLTableRowElement} tr
   * @param {Customer} customer
   */
  #placeRow(tr, customer) {
    const children = this.tbody.rows;
    let lo = 0, hi = children.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Store.compare({ name: children[mid].dataset.customerName }, customer) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const ref = children[lo] || null;
    if (ref !== tr) this.tbody.insertBefore(tr, ref);
  }

  /** @param {Customer} customer */
  #upserted(customer) {
    this.#flushPending();
    const id = String(customer.id);
    let tr = this.rows.get(id);
    const since = this.store.sinceFor(id, normState(customer.health));
    if (tr) {
      const renamed = tr.dataset.customerName !== String(customer.name ?? '');
      fillRow(tr, customer, since);
      if (renamed) {
        tr.remove();
        this.#placeRow(tr, customer);
      }
    } else {
      tr = buildRow(customer, since);
      this.rows.set(id, tr);
      this.#placeRow(tr, customer);
    }
    tr.classList.remove('row-flash');
    void tr.offsetWidth; // restart the highlight animation
    tr.classList.add('row-flash');
    this.#updateEmpty();
  }

  /** @param {string} id */
  #removed(id) {
    this.#flushPending();
    const tr = this.rows.get(id);
    if (tr) {
      tr.remove();
      this.rows.delete(id);
    }
    this.#updateEmpty();
  }

  /** One delegated listener for every row action. @param {MouseEvent} e */
  #rowClick(e) {
    const btn = /** @type {Element} */ (e.target).closest('button[data-action]');
    if (!(btn instanceof HTMLButtonElement) || !this.tbody.contains(btn)) return;
    const tr = /** @type {HTMLTableRowElement} */ (btn.closest('tr'));
    const customer = this.store.getCustomer(tr.dataset.customerId ?? '');
    if (!customer) return;
    const { actions } = this;
    switch (btn.dataset.action) {
      case 'edit': actions.openEdit(customer, btn); break;
      case 'delete': actions.openDelete(customer, btn); break;
      case 'license': actions.openLicense(customer, btn); break;
      case 'detail': actions.openDetail(customer, btn); break;
      case 'badge':
        if (btn.dataset.kind === 'changed' && this.store.isAdmin) actions.openReview(customer, btn);
        else actions.openDetail(customer, btn);
        break;
      case 'sync':
        syncCustomer(this.store, customer.id).catch((err) => {
          toastError(err, `Sync of "${customer.name}" failed: `);
          // It may have failed on a certificate the core has just found changed.
          refreshTrust(this.store);
        });
        break;
      default: break;
    }
  }

  /** @param {HTMLButtonElement} button */
  async #checkHealth(button) {
    if (button.disabled) return;
    await whileBusy(button, CHECK_BUSY, async () => {
      try {
        this.store.setCustomers(await invoke('check_health'));
        const s = this.store.summary();
        showToast(`Health check finished: ${formatCount(s.up)} up, ${formatCount(s.down)} down, ${formatCount(s.unknown)} unknown.`, 'info');
      } catch (err) {
        toastError(err);
      }
    });
  }
}
