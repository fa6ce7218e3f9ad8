// @ts-check
// The Add Customer / Update Customer dialog (#customer-dialog): the form, its field errors from
// the core, the wait while the core verifies the instance. Owns that dialog; must never keep the
// customer's admin credentials once it closes.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { showToast } from '../lib/toast.js';

/** @import { Field } from '../lib/form.js' */
/** @import { Store } from '../store.js' */
/** @import { Customer, CustomerInput } from '../types' */
/** @import { ApiError } from '../api.js' */

/** Field key (IPC) -> input id; the error element is #cust-<key>-error. */
const FIELDS = {
  name: 'cust-name',
  email: 'cust-email',
  server: 'cust-server',
  port: 'cust-port',
  connectionType: 'cust-connection',
  username: 'cust-username',
  password: 'cust-password',
};
/** @typedef {keyof typeof FIELDS} FieldKey */

export class CustomerDialog {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.form = byId('customer-form', HTMLFormElement);
    this.submit = byId('cust-submit', HTMLButtonElement);
    this.cancel = byId('cust-cancel', HTMLButtonElement);
    /** The customer being edited; null: adding. @type {Customer | null} */
    this.editing = null;
    this.running = false;
    this.modal = new Modal(byId('customer-dialog', HTMLDialogElement), { canClose: () => !this.running });
    /** @type {Record<string, Field>} */
    const fields = {};
    for (const key of /** @type {FieldKey[]} */ (Object.keys(FIELDS))) fields[key] = { input: this.input(key), error: byId(`cust-${key}-error`) };
    this.errors = FieldErrors.of(byId('cust-form-error'), fields);
    this.errors.clearOnEdit();
    this.modal.dialog.addEventListener('close', () => {
      // Never keep credentials around once the dialog is gone.
      this.input('password').value = '';
      this.input('username').value = '';
      this.editing = null;
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#save();
    });
  }

  /**
   * @template {FieldKey} K
   * @param {K} key
   * @returns {K extends 'connectionType' ? HTMLSelectElement : HTMLInputElement}
   */
  input(key) {
    const node = key === 'connectionType' ? byId(FIELDS[key], HTMLSelectElement) : byId(FIELDS[key], HTMLInputElement);
    return /** @type {K extends 'connectionType' ? HTMLSelectElement : HTMLInputElement} */ (node);
  }

  /** @param {HTMLElement} opener */
  openAdd(opener) {
    this.#open(null, opener);
  }

  /**
   * @param {Customer} customer
   * @param {HTMLElement} opener
   */
  openEdit(customer, opener) {
    this.#open(customer, opener);
  }

  /** Closes and empties the dialog (lock, logout). */
  reset() {
    this.#setRunning(false);
    this.form.reset();
    this.errors.clear();
    this.modal.close();
  }

  /**
   * @param {Customer | null} customer  null: Add Customer
   * @param {HTMLElement} opener
   */
  #open(customer, opener) {
    if (this.running) return;
    this.editing = customer;
    this.form.reset();
    this.errors.clear();
    this.#setRunning(false);
    const label = customer ? 'Update Customer' : 'Add Customer';
    byId('customer-dialog-title').textContent = label;
    this.submit.textContent = label;
    byId('cust-credentials-note').hidden = !customer;
    this.modal.dialog.dataset.mode = customer ? 'edit' : 'add';
    if (customer) {
      this.input('name').value = customer.name ?? '';
      this.input('email').value = customer.email ?? '';
      this.input('server').value = customer.server ?? '';
      this.input('port').value = customer.port == null ? '' : String(customer.port);
      this.input('connectionType').value = customer.connectionType === 'HTTPS' ? 'HTTPS' : 'HTTP';
    }
    this.modal.open(opener);
    this.input('name').focus();
  }

  /** While the core verifies: nothing can be edited, the dialog cannot close. @param {boolean} on */
  #setRunning(on) {
    this.running = on;
    this.submit.disabled = on;
    this.cancel.disabled = on;
    if (on) this.submit.setAttribute('aria-busy', 'true');
    else this.submit.removeAttribute('aria-busy');
    byId('cust-busy').hidden = !on;
    this.form.classList.toggle('is-busy', on);
    for (const key of /** @type {FieldKey[]} */ (Object.keys(FIELDS))) {
      const node = this.input(key);
      if (node instanceof HTMLInputElement) node.readOnly = on;
    }
    this.input('connectionType').disabled = on;
  }

  /** @returns {CustomerInput} */
  #read() {
    return {
      name: this.input('name').value.trim(),
      email: this.input('email').value.trim(),
      server: this.input('server').value.trim(),
      port: this.input('port').value.trim(),
      connectionType: this.input('connectionType').value === 'HTTPS' ? 'HTTPS' : 'HTTP',
      username: this.input('username').value.trim(),
      password: this.input('password').value,
    };
  }

  async #save() {
    if (this.running) return;
    this.errors.clear();
    const data = this.#read();
    const target = this.editing;
    this.#setRunning(true);
    try {
      const customer = target
        ? await invoke('update_customer', { id: target.id, input: data })
        : await invoke('add_customer', { input: data });
      this.#setRunning(false);
      this.modal.close();
      if (customer) this.store.upsertCustomer(customer);
      const name = (customer && customer.name) || data.name;
      showToast(target ? `Customer "${name}" updated successfully.` : `Customer "${name}" added successfully.`);
    } catch (err) {
      this.#setRunning(false);
      this.#failed(err, target);
    }
  }

  /**
   * @param {unknown} err
   * @param {Customer | null} target
   */
  #failed(err, target) {
    /** @param {ApiError} e */
    const closeWith = (e) => {
      this.modal.close();
      toastMessage(e);
    };
    routeError(err, {
      forbidden: closeWith,
      not_found: (e) => {
        if (!target) return this.#showErrors(e);
        closeWith(e);
        this.store.removeCustomer(target.id);
      },
      // Keep everything the user typed so they can correct it.
      other: (e) => this.#showErrors(e),
    });
  }

  /** @param {ApiError} err */
  #showErrors(err) {
    const first = this.errors.show(err.fields, err.message);
    if (!first) {
      this.input('name').focus();
      this.errors.formError.scrollIntoView({ block: 'nearest' });
    }
  }
}
