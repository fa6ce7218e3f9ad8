// @ts-check
// The Allocation Details box (#allocation-dialog) of License Management: a customer's allocation
// per resource, its usage and push state (allocation_details), and for admins Edit License ->
// Update (update_allocation, with the `version` read, so a concurrent change is a `conflict`).
// Opened from the License Management table or a Customer Management row. Owns this dialog; must
// never change the pool or the license itself.
import { invoke } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { routeError } from '../lib/errors.js';
import { formatCount, formatDayHm, formatFull, formatWhen } from '../lib/format.js';
import { FieldErrors, setFieldError } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { alertText, num, pushState, warnIcon } from '../components/license-parts.js';

/** @import { Field } from '../lib/form.js' */
/** @import { Store } from '../store.js' */
/** @import { AllocationDetails, Limit } from '../types' */
/**
 * @typedef {{
 *   threshold: () => number,
 *   hasLicense: () => boolean | null,
 *   onChanged: () => void,
 * }} LicenseLink  the License Management page, as the box needs it: the alert threshold, whether
 *   a license is applied (null: not known yet), and "reload, an allocation changed"
 */

const WHOLE = /^\d+$/;
const NO_LICENSE = 'No MSSP license is applied. Customers can be integrated but Resources cannot be allocated. Apply the license file to allocate.';
const CONFLICT = 'Someone else changed this allocation. The current numbers are shown; edit again.';
const UPDATE_BUSY = { busy: 'Updating…', idle: 'Update' };

export class AllocationDialog {
  /**
   * @param {Store} store
   * @param {LicenseLink} license
   */
  constructor(store, license) {
    this.store = store;
    this.license = license;
    this.form = byId('allocation-form', HTMLFormElement);
    this.editBtn = byId('allocation-edit', HTMLButtonElement);
    this.updateBtn = byId('allocation-update', HTMLButtonElement);
    this.cancelBtn = byId('allocation-cancel', HTMLButtonElement);
    this.rows = byId('allocation-rows', HTMLTableSectionElement);
    this.errorEl = byId('allocation-error');
    /** @type {string | null} */
    this.customerId = null;
    this.name = '';
    /** @type {AllocationDetails | null} */
    this.details = null;
    this.editing = false;
    this.busy = false;
    this.noLicense = false;
    this.loads = new LatestReply();
    this.modal = new Modal(byId('allocation-dialog', HTMLDialogElement), { canClose: () => !this.busy });
    // The inputs come and go with edit mode: look them up by resource.
    this.errors = new FieldErrors(this.errorEl, (key) => this.#field(key), () => this.#fields());
    this.#wire();
  }

  #wire() {
    const dialog = this.modal.dialog;
    dialog.addEventListener('close', () => {
      this.loads.invalidate();
      this.editing = false;
      this.busy = false;
      this.customerId = null;
      this.details = null;
    });
    this.editBtn.addEventListener('click', () => this.#startEdit());
    this.cancelBtn.addEventListener('click', () => this.#cancelEdit());
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#update();
    });
    this.rows.addEventListener('input', (e) => {
      const input = /** @type {Element} */ (e.target).closest('.alloc-input');
      const f = input instanceof HTMLInputElement ? this.#field(input.dataset.resource ?? '') : undefined;
      if (f && f.error.textContent) setFieldError(f.input, f.error, '');
    });
    // Escape while editing leaves edit mode instead of closing the box.
    dialog.addEventListener('cancel', (e) => {
      if (this.editing && !this.busy) {
        e.preventDefault();
        this.#cancelEdit();
      }
    });
    dialog.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.editing) {
        e.preventDefault();
        this.#cancelEdit();
      }
    });
  }

  /**
   * Opens the box for a customer and loads its allocation.
   * @param {string} id
   * @param {string} customerName  shown until the details say
   * @param {HTMLElement | null} opener
   */
  open(id, customerName, opener) {
    if (this.busy && this.modal.isOpen) return;
    this.loads.invalidate();
    this.customerId = String(id);
    this.name = customerName ? String(customerName) : '';
    this.details = null;
    this.editing = false;
    this.busy = false;
    this.noLicense = this.license.hasLicense() === false;
    this.#setTitle();
    this.errorEl.textContent = '';
    this.rows.replaceChildren();
    byId('allocation-table').hidden = true;
    this.#renderFacts();
    this.#updateButtons();
    this.modal.open(opener);
    this.#load();
  }

  /**
   * The page learnt whether a license is applied.
   * @param {boolean} applied
   */
  licenseKnown(applied) {
    if (!this.modal.isOpen) return;
    const before = this.noLicense;
    if (!applied) {
      this.noLicense = true;
      if (!this.busy) this.editing = false;
    } else if (this.#hasResources()) {
      this.noLicense = false;
    }
    if (before !== this.noLicense) this.#render();
  }

  /** license-changed: reload an open box unless the user is editing it. */
  changed() {
    if (this.modal.isOpen && !this.editing && !this.busy) this.#load();
  }

  /** Closes and forgets (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.busy = false;
    this.editing = false;
    this.details = null;
    this.customerId = null;
    this.modal.releaseOpener();
    this.rows.replaceChildren();
    this.errorEl.textContent = '';
    this.modal.close();
  }

  #hasResources() {
    return !!this.details && Array.isArray(this.details.resources) && this.details.resources.length > 0;
  }

  #setTitle() {
    byId('allocation-title').textContent = this.name ? `Allocation Details — ${this.name}` : 'Allocation Details';
  }

  #updateButtons() {
    const canEdit = this.store.isAdmin && !!this.details && !this.noLicense;
    this.editBtn.hidden = !canEdit || this.editing;
    byId('allocation-none').hidden = !this.noLicense;
    this.updateBtn.hidden = !this.editing;
    this.cancelBtn.hidden = !this.editing;
    byId('allocation-close').hidden = this.editing;
    this.updateBtn.disabled = this.busy;
    this.cancelBtn.disabled = this.busy;
    this.updateBtn.textContent = this.busy ? UPDATE_BUSY.busy : UPDATE_BUSY.idle;
    if (this.busy) this.form.setAttribute('aria-busy', 'true');
    else this.form.removeAttribute('aria-busy');
  }

  /** Push state, last change, when usage was reported. */
  #renderFacts() {
    const d = this.details;
    const push = byId('allocation-push-state');
    const changed = byId('allocation-changed');
    const usageAt = byId('allocation-usage-at');
    push.dataset.push = pushState(d && d.pushState);
    push.textContent = d ? pushText(d) : '';
    changed.textContent = !d ? '' : !d.changedAt ? 'Never changed'
      : d.changedBy ? `Changed by ${d.changedBy}, ${formatDayHm(d.changedAt)}` : `Changed ${formatDayHm(d.changedAt)}`;
    changed.title = d && d.changedAt ? formatFull(d.changedAt) : '';
    usageAt.textContent = !d ? '' : d.usageAt ? `At the last sync, ${formatWhen(d.usageAt)}` : 'Not yet: usage arrives with the first sync';
    usageAt.title = d && d.usageAt ? formatFull(d.usageAt) : '';
  }

  #renderRows() {
    const d = this.details;
    const resources = d && Array.isArray(d.resources) ? d.resources : [];
    const threshold = this.license.threshold();
    const out = d ? resources.map((r, i) => this.#row(d, r, i, threshold)) : [];
    this.rows.replaceChildren(...out);
    byId('allocation-table').hidden = !out.length;
  }

  /**
   * One resource: its label, the allocation (an input while editing), usage, what is free.
   * @param {AllocationDetails} d
   * @param {Limit} r
   * @param {number} i
   * @param {number} threshold
   */
  #row(d, r, i, threshold) {
    const key = String(r.resource);
    const alloc = d.allocation ? d.allocation[key] : undefined;
    const alert = Array.isArray(d.alerts) && d.alerts.map(String).includes(key);
    const labelId = `alloc-label-${i}`;
    const allocCell = el('td', { class: 'alloc-cell' });
    if (this.editing) {
      const input = el('input', {
        type: 'number', min: '0', step: '1', inputmode: 'numeric', class: 'alloc-input',
        id: `alloc-input-${i}`, 'aria-labelledby': labelId, autocomplete: 'off', dataset: { resource: key },
      });
      input.value = String(num(alloc));
      allocCell.append(input, el('p', { class: 'field-error alloc-error', id: `alloc-error-${i}`, dataset: { resource: key } }));
    } else {
      allocCell.append(el('span', { class: 'alloc-value', text: formatCount(alloc ?? 0) }));
    }
    const used = d.usage && typeof d.usage === 'object' ? d.usage[key] : null;
    const usageCell = el('td', { class: 'alloc-usage' }, el('span', { text: `in use ${formatCount(used)}` }));
    if (alert) usageCell.append(warnIcon(alertText(threshold)));
    const tr = el('tr', { dataset: { resource: key } },
      el('th', { scope: 'row', id: labelId, class: 'alloc-label', text: r.label }),
      allocCell,
      usageCell,
      el('td', { class: 'alloc-col-free', title: `Pool total ${formatCount(r.total)}` }, `up to ${formatCount(r.available)}`));
    if (alert) tr.dataset.alert = 'true';
    return tr;
  }

  #render() {
    this.#renderRows();
    this.#renderFacts();
    this.#updateButtons();
  }

  /** @returns {HTMLInputElement[]} */
  #inputs() {
    return Array.from(this.rows.querySelectorAll('.alloc-input'));
  }

  /**
   * The input and error holder of a resource while editing.
   * @param {string} key
   * @returns {Field | undefined}
   */
  #field(key) {
    const sel = (/** @type {string} */ cls) => this.rows.querySelector(`.${cls}[data-resource="${CSS.escape(key)}"]`);
    const input = sel('alloc-input');
    const error = sel('alloc-error');
    return input instanceof HTMLElement && error instanceof HTMLElement ? { input, error } : undefined;
  }

  #fields() {
    return this.#inputs().map((input) => this.#field(input.dataset.resource ?? '')).filter((f) => f !== undefined);
  }

  /** @param {string} [notice]  shown in the error line once loaded (e.g. after a conflict) */
  async #load(notice = '') {
    if (this.customerId === null) return;
    const current = this.loads.begin();
    const loading = byId('allocation-loading');
    loading.hidden = false;
    try {
      const d = await invoke('allocation_details', { customerId: this.customerId });
      if (!current()) return;
      this.details = d && typeof d === 'object' ? d : null;
      if (this.details && this.details.name) {
        this.name = String(this.details.name);
        this.#setTitle();
      }
      this.noLicense = this.license.hasLicense() === false || !this.#hasResources();
      if (this.noLicense) this.editing = false;
      this.errorEl.textContent = notice;
      this.#render();
    } catch (err) {
      if (!current()) return;
      this.#loadFailed(err);
    } finally {
      if (current()) loading.hidden = true;
    }
  }

  /** @param {unknown} err */
  #loadFailed(err) {
    /** @param {string} text */
    const say = (text) => {
      this.errorEl.textContent = text;
      this.#updateButtons();
    };
    routeError(err, {
      no_license: () => {
        this.noLicense = true;
        this.editing = false;
        say('');
      },
      not_found: (e) => say(e.message),
      forbidden: (e) => say(e.message),
      other: (e) => say(`Could not load the allocation: ${e.message}`),
    });
  }

  #startEdit() {
    if (!this.details || this.noLicense || this.busy || !this.store.isAdmin) return;
    this.editing = true;
    this.errorEl.textContent = '';
    this.#render();
    const first = this.#inputs()[0];
    if (first) {
      first.focus();
      first.select();
    }
  }

  #cancelEdit() {
    if (this.busy) return;
    this.editing = false;
    this.errorEl.textContent = '';
    this.#render();
    if (!this.editBtn.hidden) this.editBtn.focus();
  }

  /** The typed allocation, or null after marking what is not a whole number. */
  #readAllocation() {
    /** @type {Record<string, number>} */
    const allocation = {};
    /** @type {Record<string, string>} */
    const errors = {};
    for (const input of this.#inputs()) {
      const key = input.dataset.resource ?? '';
      const raw = input.value.trim();
      const n = parseInt(raw, 10);
      if (!WHOLE.test(raw) || !Number.isSafeInteger(n)) errors[key] = 'Enter a whole number, 0 or more.';
      else allocation[key] = n;
    }
    if (!Object.keys(errors).length) return allocation;
    this.errors.show(errors);
    return null;
  }

  /** @param {boolean} on */
  #setBusy(on) {
    this.busy = on;
    this.#updateButtons();
    for (const input of this.#inputs()) input.readOnly = on;
  }

  async #update() {
    if (!this.editing || this.busy || !this.details || this.customerId === null) return;
    this.errors.clear();
    const allocation = this.#readAllocation();
    if (!allocation) return;
    this.#setBusy(true);
    const current = this.loads.begin();
    try {
      const d = await invoke('update_allocation', { customerId: this.customerId, version: this.details.version, allocation });
      if (!current()) return;
      this.busy = false;
      this.editing = false;
      if (d && typeof d === 'object') this.details = d;
      if (this.details && this.details.name) this.name = String(this.details.name);
      this.#setTitle();
      this.#render();
      if (!this.editBtn.hidden) this.editBtn.focus();
      showToast(`License allocation updated for ${this.name}.`);
      this.license.onChanged();
    } catch (err) {
      if (!current()) return;
      this.#setBusy(false);
      this.#updateFailed(err);
    }
  }

  /** @param {unknown} err */
  async #updateFailed(err) {
    /** @type {Promise<void> | undefined} */
    let reloading;
    routeError(err, {
      conflict: () => {
        this.editing = false;
        reloading = this.#load(CONFLICT);
      },
      no_license: (e) => {
        this.editing = false;
        this.noLicense = true;
        this.#render();
        this.errorEl.textContent = e.message || NO_LICENSE;
        this.license.onChanged();
      },
      validation: (e) => this.errors.show(e.fields, e.message),
      other: (e) => this.errors.show({}, e.message),
    });
    if (reloading) {
      await reloading;
      this.license.onChanged();
    }
  }
}

/** @param {AllocationDetails} d */
function pushText(d) {
  switch (pushState(d.pushState)) {
    case 'applied': return 'Applied on the instance';
    case 'pending': return 'Pending: will be pushed at the next successful sync';
    case 'failed': return `Failed: ${d.pushReason ? String(d.pushReason) : 'the instance did not accept the allocation'}`;
    default: return 'Nothing to push yet';
  }
}
