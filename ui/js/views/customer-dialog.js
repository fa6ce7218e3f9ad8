// @ts-check
// The Add Customer / Update Customer dialog (#customer-dialog): the form, its field errors from
// the core, the wait while the core verifies the instance. Over HTTP the admin must tick "Send
// the admin credentials unencrypted over HTTP" (#cust-cleartext, shown by CSS while HTTP is
// chosen). When the server's certificate is not trusted (or changed since it was reviewed), the
// dialog shows that certificate (#cust-cert-review) and what to trust, and "Trust this
// certificate" sends the same form again with that trust. On Edit it shows the trust the customer
// has, which the core keeps for the same server, and the admin username kept for the customer
// (customer_admin_username: only the password is typed again). Owns that dialog; must never keep
// the customer's admin credentials once it closes.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { TrustChoice, certificateCard, trustLabel } from '../components/certificate.js';

/** @import { Field } from '../lib/form.js' */
/** @import { Store } from '../store.js' */
/** @import { Customer, CustomerInput } from '../types' */
/** @import { ApiError } from '../api.js' */

/** Text field key (IPC) -> input id; the error element is #cust-<key>-error. */
const TEXT_FIELDS = {
  name: 'cust-name',
  email: 'cust-email',
  server: 'cust-server',
  port: 'cust-port',
  username: 'cust-username',
  password: 'cust-password',
};
/** @typedef {keyof typeof TEXT_FIELDS} TextKey */
const TEXT_KEYS = /** @type {TextKey[]} */ (Object.keys(TEXT_FIELDS));
const TRUST_LABEL = 'Trust this certificate';

export class CustomerDialog {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.form = byId('customer-form', HTMLFormElement);
    this.submit = byId('cust-submit', HTMLButtonElement);
    this.cancel = byId('cust-cancel', HTMLButtonElement);
    /** @type {Record<TextKey, HTMLInputElement>} */
    this.text = /** @type {Record<TextKey, HTMLInputElement>} */ (Object.fromEntries(TEXT_KEYS.map((k) => [k, byId(TEXT_FIELDS[k], HTMLInputElement)])));
    this.connection = byId('cust-connection', HTMLSelectElement);
    this.cleartext = byId('cust-allow-cleartext', HTMLInputElement);
    this.choice = new TrustChoice('cust-trust');
    byId('cust-trust-choice').append(this.choice.element);
    /** The customer being edited; null: adding. @type {Customer | null} */
    this.editing = null;
    /** The certificate under review: the server (#endpointKey) it came from. @type {{ endpoint: string } | null} */
    this.review = null;
    this.running = false;
    this.usernames = new LatestReply();
    this.modal = new Modal(byId('customer-dialog', HTMLDialogElement), { canClose: () => !this.running });
    this.errors = FieldErrors.of(byId('cust-form-error'), this.#fields());
    this.errors.clearOnEdit();
    this.#wire();
  }

  /** Every field the core may put an error on. @returns {Record<string, Field>} */
  #fields() {
    /** @type {Record<string, Field>} */
    const fields = {};
    for (const key of TEXT_KEYS) fields[key] = { input: this.text[key], error: byId(`cust-${key}-error`) };
    fields.connectionType = { input: this.connection, error: byId('cust-connectionType-error') };
    fields.allowCleartext = { input: this.cleartext, error: byId('cust-allowCleartext-error') };
    return { ...fields, ...this.choice.fields };
  }

  #wire() {
    this.modal.dialog.addEventListener('close', () => {
      // Never keep credentials around once the dialog is gone.
      this.text.password.value = '';
      this.text.username.value = '';
      this.editing = null;
      this.usernames.invalidate();
      this.#hideReview();
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#save();
    });
    this.text.server.addEventListener('input', () => this.#endpointEdited());
    this.text.port.addEventListener('input', () => this.#endpointEdited());
    this.connection.addEventListener('change', () => this.#endpointEdited());
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
    this.#hideReview();
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
    this.#hideReview();
    this.#setRunning(false);
    byId('customer-dialog-title').textContent = customer ? 'Update Customer' : 'Add Customer';
    byId('cust-credentials-note').hidden = !customer;
    this.modal.dialog.dataset.mode = customer ? 'edit' : 'add';
    if (customer) {
      this.text.name.value = customer.name ?? '';
      this.text.email.value = customer.email ?? '';
      this.text.server.value = customer.server ?? '';
      this.text.port.value = customer.port == null ? '' : String(customer.port);
      this.connection.value = customer.connectionType === 'HTTPS' ? 'HTTPS' : 'HTTP';
      this.cleartext.checked = customer.cleartext === true;
      this.#prefillUsername(customer);
    }
    this.#endpointEdited();
    this.modal.open(opener);
    byId('cust-body').scrollTop = 0;
    this.text.name.focus();
  }

  /**
   * Edit: the admin username kept for the customer, unless the admin typed one meanwhile.
   * @param {Customer} customer
   */
  async #prefillUsername(customer) {
    const current = this.usernames.begin();
    try {
      const username = await invoke('customer_admin_username', { id: customer.id });
      if (!current() || this.editing !== customer || this.text.username.value) return;
      this.text.username.value = username;
    } catch (err) {
      // Not fatal: the admin types the username as before.
      routeError(err, { other: (e) => console.warn('Could not read the admin username:', e.message) });
    }
  }

  /** The server the form names, as one comparable text. */
  #endpointKey() {
    return [this.text.server.value.trim().toLowerCase(), this.text.port.value.trim(), this.connection.value].join('|');
  }

  /**
   * Server, port or connection type changed: a certificate under review only for the server it
   * came from, the kept trust only for the same server. (CSS shows the cleartext choice while
   * HTTP is selected.)
   */
  #endpointEdited() {
    const https = this.connection.value === 'HTTPS';
    if (this.review && this.review.endpoint !== this.#endpointKey()) this.#hideReview();
    this.#renderTrustInfo(https);
  }

  /** On Edit of an HTTPS customer: its trust, and whether the core keeps it. @param {boolean} https */
  #renderTrustInfo(https) {
    const c = this.editing;
    const info = byId('cust-trust-info');
    info.hidden = !c || !https || c.connectionType !== 'HTTPS';
    if (!c || info.hidden) return;
    const same = this.text.server.value.trim() === c.server && this.text.port.value.trim() === String(c.port);
    const value = byId('cust-trust-value');
    value.textContent = trustLabel(c.trust);
    value.title = trustLabel(c.trust, { full: true });
    byId('cust-trust-note').textContent = same
      ? '— kept for this server: it needs no trust again.'
      : "— for the old server: the new server's certificate is checked when you save.";
  }

  #submitLabel() {
    if (this.review) return TRUST_LABEL;
    return this.editing ? 'Update Customer' : 'Add Customer';
  }

  /** While the core verifies: nothing can be edited, the dialog cannot close. @param {boolean} on */
  #setRunning(on) {
    this.running = on;
    this.submit.disabled = on;
    this.cancel.disabled = on;
    if (on) this.submit.setAttribute('aria-busy', 'true');
    else this.submit.removeAttribute('aria-busy');
    this.submit.textContent = this.#submitLabel();
    byId('cust-busy').hidden = !on;
    this.form.classList.toggle('is-busy', on);
    for (const key of TEXT_KEYS) this.text[key].readOnly = on;
    this.connection.disabled = on;
    this.cleartext.disabled = on;
    this.choice.setDisabled(on);
  }

  /** @returns {CustomerInput} */
  #read() {
    const https = this.connection.value === 'HTTPS';
    /** @type {CustomerInput} */
    const input = {
      name: this.text.name.value.trim(),
      email: this.text.email.value.trim(),
      server: this.text.server.value.trim(),
      port: this.text.port.value.trim(),
      connectionType: https ? 'HTTPS' : 'HTTP',
      username: this.text.username.value.trim(),
      password: this.text.password.value,
      allowCleartext: !https && this.cleartext.checked,
    };
    const trust = https && this.review ? this.choice.value() : null;
    if (trust) input.trust = trust;
    return input;
  }

  async #save() {
    if (this.running) return;
    this.errors.clear();
    this.#endpointEdited(); // a trust reviewed for another server is never sent
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
      // Not trusted, or not the certificate reviewed: show it and what to trust.
      certificate_untrusted: (e) => this.#showReview(e),
      certificate_changed: (e) => this.#showReview(e),
      // Keep everything the user typed so they can correct it.
      other: (e) => this.#showErrors(e),
    });
  }

  /** @param {ApiError} err */
  #showErrors(err) {
    const first = this.errors.show(err.fields, err.message);
    if (!first) {
      this.text.name.focus();
      this.errors.formError.scrollIntoView({ block: 'nearest' });
    }
  }

  /**
   * The certificate the core refused, why (the core's message), and what to trust; the submit
   * button becomes "Trust this certificate". The same certificate again keeps the choice made.
   * @param {ApiError} err
   */
  #showReview(err) {
    const cert = err.certificate;
    if (!cert) return this.#showErrors(err);
    this.review = { endpoint: this.#endpointKey() };
    byId('cust-cert-message').textContent = err.message;
    byId('cust-cert-card').replaceChildren(certificateCard(cert, { host: this.text.server.value.trim() }));
    if (!this.choice.cert || this.choice.cert.sha256 !== cert.sha256) this.choice.reset(cert);
    byId('cust-cert-review').hidden = false;
    this.submit.textContent = this.#submitLabel();
    const title = byId('cust-cert-title');
    title.scrollIntoView({ block: 'start' });
    title.focus({ preventScroll: true });
  }

  #hideReview() {
    this.review = null;
    byId('cust-cert-review').hidden = true;
    byId('cust-cert-card').replaceChildren();
    byId('cust-cert-message').textContent = '';
    this.choice.reset(null);
    this.submit.textContent = this.#submitLabel();
  }
}
