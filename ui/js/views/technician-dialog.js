// @ts-check
// The Add / Update Technician dialog (#technician-dialog): username, email, role, password, and
// the delegated customers: all, or those carrying chosen tags (resolved at each sync, so a
// customer tagged later is reached) and chosen customers (a filtered list of checkboxes). Owns
// that dialog; must never keep the typed password once it closes.
import { invoke } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { Store } from '../store.js';
import { tagChip } from '../components/tags.js';

/** @import { Customer, Role, Technician, TechnicianInput } from '../types' */

const MIN_PASSWORD = 10;
/** @type {Role[]} */
const ROLES = ['admin', 'operator', 'guest'];
/** Below this many customers the list needs no filter. */
const FILTER_FROM = 12;

/** @param {string} value */
const asRole = (value) => /** @type {Role} */ (ROLES.includes(/** @type {Role} */ (value)) ? value : 'operator');

export class TechnicianDialog {
  /**
   * @param {Store} store
   * @param {(tech: Technician | null) => void} onSaved  the saved technician, for the table
   */
  constructor(store, onSaved) {
    this.store = store;
    this.onSaved = onSaved;
    this.form = byId('technician-form', HTMLFormElement);
    this.submit = byId('tech-submit', HTMLButtonElement);
    this.all = byId('tech-all', HTMLInputElement);
    this.selected = byId('tech-selected', HTMLInputElement);
    this.list = byId('tech-customers');
    this.tagBox = byId('tech-tags');
    this.filter = byId('tech-customer-filter', HTMLInputElement);
    this.username = byId('tech-username', HTMLInputElement);
    this.email = byId('tech-email', HTMLInputElement);
    this.role = byId('tech-role', HTMLSelectElement);
    this.password = byId('tech-password', HTMLInputElement);
    this.errors = FieldErrors.of(byId('tech-form-error'), {
      username: { input: this.username, error: byId('tech-username-error') },
      email: { input: this.email, error: byId('tech-email-error') },
      role: { input: this.role, error: byId('tech-role-error') },
      password: { input: this.password, error: byId('tech-password-error') },
      customerIds: { input: this.list, error: byId('tech-customerIds-error'), focus: this.selected },
      tagIds: { input: this.tagBox, error: byId('tech-customerIds-error'), focus: this.selected },
    });
    /** The technician being edited; null: adding. @type {Technician | null} */
    this.editing = null;
    this.running = false;
    this.customerLoads = new LatestReply();
    this.modal = new Modal(byId('technician-dialog', HTMLDialogElement), { canClose: () => !this.running });
    this.#wire();
  }

  #wire() {
    this.errors.clearOnEdit();
    this.modal.dialog.addEventListener('close', () => {
      this.password.value = '';
      this.editing = null;
      this.customerLoads.invalidate();
      this.list.replaceChildren(); // thousands of checkboxes: free them
    });
    this.form.addEventListener('change', (e) => this.#delegationChanged(/** @type {HTMLInputElement} */ (e.target)));
    this.filter.addEventListener('input', () => this.#filterList());
    // Enter in the filter must not submit the form.
    this.filter.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#save();
    });
  }

  /**
   * Opens the dialog: Add Technician (tech null) or Update Technician.
   * @param {Technician | null} tech
   * @param {HTMLElement} opener
   */
  open(tech, opener) {
    if (this.running) return;
    const current = this.customerLoads.begin();
    this.editing = tech;
    this.form.reset();
    this.errors.clear();
    this.#setRunning(false);
    this.#fillForm(tech);
    const customers = this.store.loaded ? this.store.sortedCustomers() : null;
    const chosen = new Set(tech && Array.isArray(tech.customerIds) ? tech.customerIds.map(String) : []);
    this.#fillTags(new Set(tech && Array.isArray(tech.tagIds) ? tech.tagIds.map(String) : []));
    this.#fillCustomers(customers || [], chosen);
    this.#updateDelegation();
    this.modal.open(opener);
    this.username.focus();
    if (!customers) this.#loadCustomers(current, chosen);
  }

  /** Closes and empties the dialog (lock, logout). */
  reset() {
    this.#setRunning(false);
    this.form.reset();
    this.errors.clear();
    this.modal.close();
  }

  /** @param {Technician | null} tech */
  #fillForm(tech) {
    const label = tech ? 'Update Technician' : 'Add Technician';
    byId('technician-dialog-title').textContent = label;
    this.submit.textContent = label;
    byId('tech-password-hint').textContent = tech ? 'Leave empty to keep the current password' : 'At least 10 characters';
    byId('tech-password-req').hidden = !!tech;
    this.modal.dialog.dataset.mode = tech ? 'edit' : 'add';
    if (tech) {
      this.username.value = String(tech.username ?? '');
      this.email.value = String(tech.email ?? '');
      this.role.value = asRole(tech.role);
      (tech.allCustomers ? this.all : this.selected).checked = true;
    } else {
      this.role.value = 'operator';
      this.all.checked = true;
    }
    this.filter.value = '';
  }

  /**
   * The customer list when the store has none yet (Technicians opened before Customer Management).
   * @param {() => boolean} current
   * @param {Set<string>} chosen
   */
  async #loadCustomers(current, chosen) {
    try {
      const customers = await invoke('list_customers');
      if (!current() || !this.modal.isOpen) return;
      const keep = new Set(this.#checkboxes().filter((c) => c.checked).map((c) => c.value));
      this.#fillCustomers((Array.isArray(customers) ? customers : []).slice().sort(Store.compare), keep.size ? keep : chosen);
      this.#updateDelegation();
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        other: (e) => { this.errors.formError.textContent = `Could not load the customers: ${e.message}`; },
      });
    }
  }

  /** @param {boolean} on */
  #setRunning(on) {
    this.running = on;
    this.submit.disabled = on;
    byId('tech-cancel', HTMLButtonElement).disabled = on;
    if (on) this.submit.setAttribute('aria-busy', 'true');
    else this.submit.removeAttribute('aria-busy');
    this.form.classList.toggle('is-busy', on);
  }

  /** @returns {HTMLInputElement[]} */
  #checkboxes() {
    return Array.from(this.list.querySelectorAll('input[type="checkbox"]'));
  }

  /** @returns {HTMLInputElement[]} */
  #tagBoxes() {
    return Array.from(this.tagBox.querySelectorAll('input[type="checkbox"]'));
  }

  /** The tags to delegate by, as chips with a checkbox. @param {Set<string>} chosen */
  #fillTags(chosen) {
    const tags = this.store.tagList();
    this.tagBox.replaceChildren(...tags.map((t) => el('label', { class: 'tag-option' },
      el('input', { type: 'checkbox', value: String(t.id), checked: chosen.has(String(t.id)), 'aria-label': `Customers tagged ${t.name}` }),
      tagChip(t))));
    if (!tags.length) this.tagBox.append(el('p', { class: 'field-hint', text: 'No tags yet. Create them under Customer Management › Tags.' }));
  }

  /**
   * @param {Customer[]} customers
   * @param {Set<string>} chosen
   */
  #fillCustomers(customers, chosen) {
    const frag = document.createDocumentFragment();
    for (const c of customers) {
      const id = String(c.id);
      frag.append(el('label', { class: 'check', 'data-name': String(c.name ?? '').toLowerCase() },
        el('input', { type: 'checkbox', value: id, checked: chosen.has(id) }),
        el('span', { text: String(c.name ?? '') })));
    }
    this.list.replaceChildren(frag);
    if (!customers.length) this.list.append(el('p', { class: 'field-hint', text: 'No customers yet.' }));
  }

  #updateDelegation() {
    const sel = this.selected.checked;
    this.list.classList.toggle('is-inactive', !sel);
    this.filter.hidden = this.list.children.length < FILTER_FROM;
    this.tagBox.classList.toggle('is-inactive', !sel);
    const n = this.#checkboxes().filter((c) => c.checked).length;
    const t = this.#tagBoxes().filter((c) => c.checked).length;
    const parts = [];
    if (t) parts.push(t === 1 ? 'customers with 1 tag' : `customers with any of ${t} tags`);
    if (n || !t) parts.push(n === 1 ? '1 customer' : `${n} customers`);
    byId('tech-customers-count').textContent = sel
      ? `Delegated: ${parts.join(' and ')}.`
      : 'Every customer, including ones added later.';
  }

  /** @param {HTMLInputElement} target */
  #delegationChanged(target) {
    const { errors } = this;
    if (target === this.all || target === this.selected) {
      errors.clearField('customerIds');
      this.#updateDelegation();
    } else if (target.type === 'checkbox' && (this.list.contains(target) || this.tagBox.contains(target))) {
      // Ticking a customer means "Selected customers".
      if (target.checked && !this.selected.checked) this.selected.checked = true;
      errors.clearField('customerIds');
      this.#updateDelegation();
    }
  }

  #filterList() {
    const q = this.filter.value.trim().toLowerCase();
    for (const label of this.list.children) {
      if (label instanceof HTMLElement && label.dataset.name !== undefined) label.hidden = !!q && !label.dataset.name.includes(q);
    }
  }

  /** @returns {TechnicianInput} */
  #read() {
    const ids = this.#checkboxes().filter((c) => c.checked).map((c) => c.value);
    const tagIds = this.#tagBoxes().filter((c) => c.checked).map((c) => c.value);
    return {
      username: this.username.value.trim(),
      email: this.email.value.trim(),
      role: asRole(this.role.value),
      allCustomers: this.all.checked,
      customerIds: this.all.checked ? [] : ids,
      tagIds: this.all.checked ? [] : tagIds,
      password: this.password.value,
    };
  }

  /**
   * The form's own checks; the core checks the rest.
   * @param {TechnicianInput} data
   * @param {boolean} isEdit  an empty password keeps the old one
   */
  #check(data, isEdit) {
    /** @type {Record<string, string>} */
    const errors = {};
    if (!data.username) errors.username = 'Username is required.';
    if (!data.email) errors.email = 'Email is required.';
    if (!data.allCustomers && !data.customerIds.length && !data.tagIds.length) errors.customerIds = 'Select at least one tag or customer, or choose All customers.';
    const password = data.password ?? '';
    if ((!isEdit || password) && password.length < MIN_PASSWORD) errors.password = `Password must be at least ${MIN_PASSWORD} characters.`;
    return errors;
  }

  /**
   * @param {Record<string, string>} fields
   * @param {string} [fallback]
   */
  #showErrors(fields, fallback) {
    if (!this.errors.show(fields, fallback)) this.errors.formError.scrollIntoView({ block: 'nearest' });
  }

  async #save() {
    if (this.running) return;
    this.errors.clear();
    const data = this.#read();
    const target = this.editing;
    const errors = this.#check(data, !!target);
    if (Object.keys(errors).length) {
      this.#showErrors(errors);
      return;
    }
    this.#setRunning(true);
    try {
      const tech = target
        ? await invoke('update_technician', { id: target.id, input: data })
        : await invoke('add_technician', { input: data });
      this.#setRunning(false);
      this.modal.close();
      this.onSaved(tech && tech.id !== undefined ? tech : null);
      const name = (tech && tech.username) || data.username;
      showToast(target ? `Technician "${name}" updated.` : `Technician "${name}" added.`);
    } catch (err) {
      this.#setRunning(false);
      routeError(err, {
        forbidden: (e) => {
          this.modal.close();
          toastMessage(e);
        },
        validation: (e) => this.#showErrors(e.fields, e.message),
        conflict: (e) => this.#showErrors(e.fields, e.message),
        other: (e) => this.#showErrors({}, e.message),
      });
    }
  }
}
