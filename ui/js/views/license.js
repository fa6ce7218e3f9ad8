// @ts-check
// Settings › License Management (#license-page): the applied license (license_overview), Apply
// License from a file or pasted text (apply_license), the pool, the alert threshold
// (set_license_alert_threshold), the sortable customers table, Export CSV (export_license_csv).
// The Allocation Details box is its own view: main.js hands in the calls to it. Only admins see
// Apply, Edit and Save (the core refuses with `forbidden` anyway). Must never edit an allocation.
import { invoke, toApiError } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { setBusy, whileBusy } from '../lib/busy.js';
import { routeError } from '../lib/errors.js';
import { formatCount, formatDate, formatFull, formatInDays } from '../lib/format.js';
import { setFieldError } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { alertText, num, poolRow, pushState, warnIcon } from '../components/license-parts.js';

/** @import { Store } from '../store.js' */
/** @import { LicenseCustomer, LicenseInfo, LicenseOverview, PoolLine } from '../types' */
/**
 * @typedef {{
 *   openAllocation: (customerId: string, name: string, opener: HTMLElement | null) => void,
 *   licenseKnown: (applied: boolean) => void,
 * }} AllocationLink  the Allocation Details box, as the page needs it
 */
/** @typedef {{ key: 'name' | 'resource' | 'push', resource: string | null, dir: 'asc' | 'desc' }} Sort */

const WHOLE = /^\d+$/;
const PUSH_BADGE = { applied: 'Applied', pending: 'Pending', failed: 'Failed', none: '—' };
const PUSH_RANK = { none: 0, applied: 1, pending: 2, failed: 3 };
const APPLY_BUSY = { busy: 'Applying…', idle: 'Apply License' };
const SAVE_BUSY = { busy: 'Saving…', idle: 'Save' };

/**
 * @param {{ name: string }} a
 * @param {{ name: string }} b
 */
const byName = (a, b) => String(a.name ?? '').localeCompare(String(b.name ?? ''), undefined, { sensitivity: 'base', numeric: true });

export class LicensePage {
  /**
   * @param {Store} store
   * @param {AllocationLink} allocation
   */
  constructor(store, allocation) {
    this.store = store;
    this.allocation = allocation;
    this.page = byId('license-page');
    this.loadError = byId('license-load-error');
    this.fileInput = byId('license-file', HTMLInputElement);
    this.textInput = byId('license-text', HTMLTextAreaElement);
    this.applyBtn = byId('license-apply', HTMLButtonElement);
    this.applyError = byId('license-error');
    this.thresholdInput = byId('license-threshold', HTMLInputElement);
    this.thresholdError = byId('license-threshold-error');
    this.head = byId('license-customers-head', HTMLTableRowElement);
    this.tbody = byId('license-customers-tbody', HTMLTableSectionElement);
    /** The last overview; null before it loads, or after a reset. @type {LicenseOverview | null} */
    this.overview = null;
    this.loads = new LatestReply();
    this.applying = false;
    /** @type {Sort} */
    this.sort = { key: 'name', resource: null, dir: 'asc' };
    this.#wire();
  }

  #wire() {
    this.fileInput.addEventListener('change', () => this.#applyFile());
    this.applyBtn.addEventListener('click', () => this.#apply(this.textInput.value));
    this.textInput.addEventListener('input', () => {
      if (this.applyError.textContent) setFieldError(this.textInput, this.applyError, '');
    });
    byId('license-threshold-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      this.#saveThreshold();
    });
    this.thresholdInput.addEventListener('input', () => {
      if (this.thresholdError.textContent) setFieldError(this.thresholdInput, this.thresholdError, '');
    });
    this.head.addEventListener('click', (e) => this.#sortClick(e));
    this.tbody.addEventListener('click', (e) => {
      const tr = /** @type {Element} */ (e.target).closest('tr[data-customer-id]');
      if (!(tr instanceof HTMLTableRowElement) || !this.tbody.contains(tr)) return;
      const btn = /** @type {Element} */ (e.target).closest('button.allocation-open') || tr.querySelector('button.allocation-open');
      this.allocation.openAllocation(tr.dataset.customerId ?? '', tr.dataset.customerName ?? '', /** @type {HTMLElement | null} */ (btn));
    });
    const exportBtn = byId('license-export', HTMLButtonElement);
    exportBtn.addEventListener('click', () => this.#export(exportBtn));
  }

  /** Settings › License Management was shown. */
  shown() {
    this.reload();
  }

  /** license-changed: reload what is shown; a hidden page loads when shown. */
  changed() {
    if (!this.page.hidden) this.reload();
    else this.overview = null;
  }

  /** The alert threshold in force (percent); NaN before the overview loads. */
  threshold() {
    return this.overview ? num(this.overview.threshold) : NaN;
  }

  /** Whether a license is applied; null while unknown. */
  hasLicense() {
    return this.overview ? !!this.overview.license : null;
  }

  /** Forgets everything (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.overview = null;
    this.#setApplying(false);
    this.#setLoading(false);
    this.loadError.textContent = '';
    this.textInput.value = '';
    this.fileInput.value = '';
    setFieldError(this.textInput, this.applyError, '');
    setFieldError(this.thresholdInput, this.thresholdError, '');
    for (const id of ['license-none', 'license-summary', 'license-pool-card', 'license-customers-empty']) byId(id).hidden = true;
    byId('license-pool').replaceChildren();
    this.head.replaceChildren();
    this.tbody.replaceChildren();
  }

  async reload() {
    const current = this.loads.begin();
    this.#setLoading(true);
    try {
      const overview = await invoke('license_overview');
      if (!current()) return;
      this.loadError.textContent = '';
      this.#setOverview(overview);
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        forbidden: (e) => { this.loadError.textContent = e.message; },
        other: (e) => { this.loadError.textContent = `Could not load the license: ${e.message}`; },
      });
    } finally {
      if (current()) this.#setLoading(false);
    }
  }

  /** An overview that came with a change (apply, threshold): newer than any load on its way. @param {LicenseOverview} o */
  #changedTo(o) {
    this.loads.invalidate();
    this.#setLoading(false);
    this.#setOverview(o);
  }

  /** @param {boolean} on */
  #setLoading(on) {
    byId('license-loading').hidden = !on;
    if (on) this.page.setAttribute('aria-busy', 'true');
    else this.page.removeAttribute('aria-busy');
  }

  /** @param {LicenseOverview | null} o */
  #setOverview(o) {
    this.overview = o && typeof o === 'object' ? o : null;
    const lic = this.overview ? this.overview.license : null;
    const resources = this.overview && Array.isArray(this.overview.resources) ? this.overview.resources : [];
    this.#renderSummary(lic);
    this.#renderPool(resources);
    this.#renderThreshold();
    this.#renderTable();
    this.allocation.licenseKnown(!!lic);
  }

  /** @param {LicenseInfo | null} lic */
  #renderSummary(lic) {
    const warning = byId('license-expiry-warning');
    byId('license-none').hidden = !!lic;
    byId('license-summary').hidden = !lic;
    if (!lic) {
      warning.textContent = '';
      warning.hidden = true;
      return;
    }
    byId('license-licensee').textContent = String(lic.licensee ?? '—');
    byId('license-edition').textContent = String(lic.edition ?? '—');
    byId('license-id').textContent = String(lic.licenseId ?? '—');
    const expiry = byId('license-expiry');
    expiry.textContent = lic.expiresAt ? formatDate(lic.expiresAt) : '—';
    expiry.title = lic.expiresAt ? formatFull(lic.expiresAt) : '';
    const [kind, text] = lic.expired ? ['expired', `The license expired on ${formatDate(lic.expiresAt)}.`]
      : lic.expiringSoon ? ['soon', `The license expires ${formatInDays(Math.max(0, Math.floor(num(lic.daysLeft))))}.`]
        : ['', ''];
    warning.textContent = text;
    warning.hidden = !text;
    warning.className = `callout ${kind === 'expired' ? 'callout-error' : 'callout-warn'}`;
    expiry.dataset.kind = kind || 'ok';
  }

  /** @param {PoolLine[]} resources */
  #renderPool(resources) {
    byId('license-pool-card').hidden = !this.overview || !this.overview.license;
    byId('license-pool').replaceChildren(...resources.map(poolRow));
  }

  #renderThreshold() {
    const t = this.overview ? this.overview.threshold : null;
    if (document.activeElement !== this.thresholdInput) this.thresholdInput.value = t === null || t === undefined ? '' : String(t);
    this.thresholdInput.readOnly = !this.store.isAdmin;
  }

  // ---------------------------------------------------------------- customers table

  /** @param {LicenseCustomer} c */
  #sortValue(c) {
    if (this.sort.key === 'push') return PUSH_RANK[pushState(c.pushState)];
    if (this.sort.key === 'resource') return num(c.allocation && c.allocation[this.sort.resource ?? '']);
    return String(c.name ?? '');
  }

  #sortedCustomers() {
    const list = this.overview && Array.isArray(this.overview.customers) ? this.overview.customers.slice() : [];
    return list.sort((a, b) => {
      const va = this.#sortValue(a), vb = this.#sortValue(b);
      let d = typeof va === 'string' || typeof vb === 'string' ? byName(a, b) : va - vb;
      if (this.sort.dir === 'desc') d = -d;
      return d || byName(a, b);
    });
  }

  /**
   * A column header that sorts by it, with aria-sort.
   * @param {string} text
   * @param {Sort['key']} key
   * @param {string} [resource]
   */
  #sortHeader(text, key, resource) {
    const active = this.sort.key === key && (key !== 'resource' || this.sort.resource === resource);
    const dir = active ? this.sort.dir : 'none';
    /** @type {Record<string, string>} */
    const ds = { sort: key };
    if (resource) ds.resource = resource;
    return el('th', { scope: 'col', class: `col-sort col-${key}`, 'aria-sort': dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none' },
      el('button', { type: 'button', class: 'sort-button', dataset: ds },
        text, el('span', { class: 'sort-arrow', 'aria-hidden': 'true', 'data-dir': dir })));
  }

  #renderTable() {
    const resources = this.overview && Array.isArray(this.overview.resources) ? this.overview.resources : [];
    this.head.replaceChildren(
      this.#sortHeader('Customer Name', 'name'),
      ...resources.map((r) => this.#sortHeader(r.label, 'resource', String(r.resource))),
      this.#sortHeader('Push state', 'push'),
      el('th', { scope: 'col', class: 'col-lactions' }, el('span', { class: 'visually-hidden', text: 'Actions' })));
    const threshold = this.threshold();
    const frag = document.createDocumentFragment();
    for (const c of this.#sortedCustomers()) frag.append(customerRow(c, resources, threshold));
    this.tbody.replaceChildren(frag);
    const empty = !this.tbody.rows.length;
    byId('license-customers-empty').hidden = !empty;
    byId('license-customers').classList.toggle('is-empty', empty);
  }

  /** @param {MouseEvent} e */
  #sortClick(e) {
    const btn = /** @type {Element} */ (e.target).closest('button[data-sort]');
    if (!(btn instanceof HTMLButtonElement) || !this.head.contains(btn)) return;
    const key = /** @type {Sort['key']} */ (btn.dataset.sort);
    const resource = btn.dataset.resource || null;
    const same = this.sort.key === key && this.sort.resource === resource;
    this.sort = { key, resource, dir: same && this.sort.dir === 'asc' ? 'desc' : 'asc' };
    this.#renderTable();
    const again = this.head.querySelector(resource
      ? `button[data-sort="resource"][data-resource="${CSS.escape(resource)}"]`
      : `button[data-sort="${CSS.escape(key)}"]`);
    if (again instanceof HTMLElement) again.focus();
  }

  // ---------------------------------------------------------------- Apply License, threshold, export

  /** @param {boolean} on */
  #setApplying(on) {
    this.applying = on;
    setBusy(this.applyBtn, on, APPLY_BUSY);
    this.fileInput.disabled = on;
    this.textInput.readOnly = on;
  }

  async #applyFile() {
    const file = this.fileInput.files && this.fileInput.files[0];
    if (!file) return;
    let text;
    try {
      text = await file.text();
    } catch (e) {
      setFieldError(this.textInput, this.applyError, `Could not read ${file.name}: ${toApiError(e).message}`);
      this.fileInput.value = '';
      return;
    }
    this.#apply(text);
  }

  /** @param {string} text  the license file's content */
  async #apply(text) {
    if (this.applying) return;
    setFieldError(this.textInput, this.applyError, '');
    if (!String(text || '').trim()) {
      setFieldError(this.textInput, this.applyError, 'Choose the license file or paste its content.');
      return;
    }
    this.#setApplying(true);
    try {
      const overview = await invoke('apply_license', { text: String(text) });
      this.loadError.textContent = '';
      this.#changedTo(overview);
      this.textInput.value = '';
      showToast('License applied.');
    } catch (err) {
      routeError(err, {
        validation: (e) => setFieldError(this.textInput, this.applyError, e.fields.license || e.message),
        other: (e) => setFieldError(this.textInput, this.applyError, e.message),
      });
    } finally {
      this.#setApplying(false);
      this.fileInput.value = ''; // choosing the same file again fires change again
    }
  }

  async #saveThreshold() {
    const save = byId('license-threshold-save', HTMLButtonElement);
    if (!this.store.isAdmin || save.disabled) return;
    const raw = this.thresholdInput.value.trim();
    const n = parseInt(raw, 10);
    if (!WHOLE.test(raw) || n < 50 || n > 100) {
      setFieldError(this.thresholdInput, this.thresholdError, 'Enter a whole number from 50 to 100.');
      this.thresholdInput.focus();
      return;
    }
    setFieldError(this.thresholdInput, this.thresholdError, '');
    await whileBusy(save, SAVE_BUSY, async () => {
      try {
        const overview = await invoke('set_license_alert_threshold', { percent: n });
        this.thresholdInput.blur();
        this.#changedTo(overview);
        showToast('Alert threshold saved.');
      } catch (err) {
        routeError(err, {
          other: (e) => setFieldError(this.thresholdInput, this.thresholdError, e.fields.percent || e.fields.threshold || e.message),
        });
      }
    });
  }

  /** @param {HTMLButtonElement} button */
  async #export(button) {
    if (button.disabled) return;
    await whileBusy(button, undefined, async () => {
      try {
        const res = await invoke('export_license_csv');
        showToast(`Saved to ${res && res.path ? res.path : 'the Downloads folder'}`);
      } catch (err) {
        routeError(err, { other: (e) => showToast(`Export failed: ${e.message}`, 'error') });
      }
    });
  }
}

/**
 * One customer of the table: used / allocated per resource (with the alert icon), push state,
 * and the Allocation Details button.
 * @param {LicenseCustomer} c
 * @param {PoolLine[]} resources
 * @param {number} threshold
 */
function customerRow(c, resources, threshold) {
  const alerts = new Set(Array.isArray(c.alerts) ? c.alerts.map(String) : []);
  const usage = c.usage && typeof c.usage === 'object' ? c.usage : null;
  const name = String(c.name ?? '');
  const tr = el('tr', { class: 'license-row', dataset: { customerId: String(c.customerId), customerName: name } },
    el('td', { class: 'cell-name', title: name }, el('span', { class: 'license-name', text: name })));
  for (const r of resources) {
    const key = String(r.resource);
    const alloc = c.allocation ? c.allocation[key] : undefined;
    const td = el('td', { class: 'cell-alloc', dataset: { resource: key } },
      el('span', { class: 'alloc-used', text: formatCount(usage ? usage[key] : null) }), ' / ', el('span', { class: 'alloc-total', text: formatCount(alloc ?? 0) }));
    if (alerts.has(key)) {
      td.dataset.alert = 'true';
      td.append(warnIcon(alertText(threshold)));
    }
    tr.append(td);
  }
  const ps = pushState(c.pushState);
  tr.append(
    el('td', { class: 'cell-push' }, el('span', { class: 'push-badge', 'data-push': ps, text: PUSH_BADGE[ps] })),
    el('td', { class: 'col-lactions' }, el('button', { type: 'button', class: 'btn btn-secondary btn-small allocation-open', 'aria-label': `Allocation Details of ${name}` }, 'Allocation Details')));
  return tr;
}
