// @ts-check
// Deleting a customer: Confirm Password (#delete-dialog) and, when the soft delete failed because
// of the instance, Force Delete (#force-dialog) with a reason. Owns both dialogs; the typed
// password lives only while they are open and must never outlive them.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { setFieldError } from '../lib/form.js';
import { showToast } from '../lib/toast.js';

/** @import { Store } from '../store.js' */
/** @import { Customer } from '../types' */
/** @import { ApiError } from '../api.js' */
/** @import { ErrorRoutes } from '../lib/errors.js' */

export class DeleteDialogs {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.password = byId('delete-password', HTMLInputElement);
    this.proceed = byId('delete-proceed', HTMLButtonElement);
    this.delCancel = byId('delete-cancel', HTMLButtonElement);
    this.delError = byId('delete-error');
    this.delBusy = byId('delete-busy');
    this.reason = byId('force-reason', HTMLTextAreaElement);
    this.reasonError = byId('force-reason-error');
    this.forceSubmit = byId('force-submit', HTMLButtonElement);
    this.forceCancel = byId('force-cancel', HTMLButtonElement);
    this.forceError = byId('force-error');
    /** The customer being deleted, while a dialog is open. @type {Customer | null} */
    this.customer = null;
    /** The password typed in the first step, for the Force Delete step. */
    this.typedPassword = '';
    /** The first step closes for the second: keep the state. */
    this.toForce = false;
    this.running = false;
    const canClose = () => !this.running;
    this.del = new Modal(byId('delete-dialog', HTMLDialogElement), { canClose });
    this.force = new Modal(byId('force-dialog', HTMLDialogElement), { canClose });
    this.#wire();
  }

  #wire() {
    this.del.dialog.addEventListener('close', () => {
      this.password.value = '';
      this.delBusy.hidden = true;
      if (this.toForce) this.toForce = false; // customer and password move on to Force Delete
      else this.#clearState();
    });
    this.force.dialog.addEventListener('close', () => this.#clearState());
    this.password.addEventListener('input', () => { this.delError.textContent = ''; });
    this.reason.addEventListener('input', () => setFieldError(this.reason, this.reasonError, ''));
    byId('delete-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      this.#softDelete();
    });
    byId('force-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      this.#forceDelete();
    });
  }

  #clearState() {
    this.customer = null;
    this.typedPassword = '';
    this.toForce = false;
    this.password.value = '';
    this.reason.value = '';
    this.delError.textContent = '';
    this.forceError.textContent = '';
    setFieldError(this.reason, this.reasonError, '');
  }

  /**
   * @param {boolean} on
   * @param {HTMLButtonElement} button
   * @param {HTMLButtonElement} cancel
   */
  #setRunning(on, button, cancel) {
    this.running = on;
    button.disabled = on;
    cancel.disabled = on;
    if (on) button.setAttribute('aria-busy', 'true');
    else button.removeAttribute('aria-busy');
  }

  /**
   * Opens Confirm Password for `c`.
   * @param {Customer} c
   * @param {HTMLElement} opener
   */
  openDelete(c, opener) {
    if (this.running) return;
    this.#clearState();
    this.customer = c;
    byId('delete-message').textContent = `You are about to delete the customer "${c.name}".`;
    this.del.open(opener);
    this.password.focus();
  }

  /** Closes both dialogs and forgets everything (lock, logout). */
  reset() {
    this.running = false;
    for (const b of [this.proceed, this.delCancel, this.forceSubmit, this.forceCancel]) b.disabled = false;
    this.del.close();
    this.force.close();
    this.#clearState();
  }

  /**
   * A refused delete closes its dialog: `forbidden` says why; `not_found`: it is gone already.
   * Only the soft delete's instance failures carry forceDeleteAvailable, never these two.
   * @param {Modal} modal
   * @param {Customer} target
   * @returns {ErrorRoutes}
   */
  #closingRoutes(modal, target) {
    return {
      forbidden: (e) => {
        modal.close();
        toastMessage(e);
      },
      not_found: (e) => {
        modal.close();
        this.store.removeCustomer(target.id);
        toastMessage(e);
      },
      other: () => {},
    };
  }

  async #softDelete() {
    if (this.running || !this.customer) return;
    this.delError.textContent = '';
    const typed = this.password.value;
    if (!typed) {
      this.delError.textContent = 'Enter your password.';
      this.password.focus();
      return;
    }
    const target = this.customer;
    this.#setRunning(true, this.proceed, this.delCancel);
    this.delBusy.hidden = false;
    try {
      await invoke('delete_customer', { id: target.id, password: typed });
      this.#setRunning(false, this.proceed, this.delCancel);
      this.del.close();
      this.store.removeCustomer(target.id);
      showToast(`Customer "${target.name}" deleted successfully.`);
    } catch (err) {
      this.#setRunning(false, this.proceed, this.delCancel);
      this.delBusy.hidden = true;
      routeError(err, {
        ...this.#closingRoutes(this.del, target),
        other: (e) => {
          if (e.forceDeleteAvailable) {
            this.#toForceDelete(target, typed, e);
            return;
          }
          this.delError.textContent = e.message;
          this.password.focus();
          this.password.select();
        },
      });
    }
  }

  /**
   * The soft delete failed because of the instance: hand the typed password over to Force Delete.
   * @param {Customer} target
   * @param {string} typed
   * @param {ApiError} err
   */
  #toForceDelete(target, typed, err) {
    this.typedPassword = typed;
    this.toForce = true;
    const opener = this.del.releaseOpener();
    this.del.close(); // its (async) close event sees toForce and keeps the state
    this.customer = target;
    byId('force-intro').textContent = `The customer "${target.name}" could not be removed from its Log360 instance (soft delete failed). You can force delete it from Log360 MSSP.`;
    byId('force-message').textContent = err.message;
    this.reason.value = '';
    this.forceError.textContent = '';
    setFieldError(this.reason, this.reasonError, '');
    this.force.open(opener);
    this.reason.focus();
  }

  async #forceDelete() {
    if (this.running || !this.customer) return;
    this.forceError.textContent = '';
    setFieldError(this.reason, this.reasonError, '');
    const why = this.reason.value.trim();
    if (!why) {
      setFieldError(this.reason, this.reasonError, 'Enter the reason for force removal.');
      this.reason.focus();
      return;
    }
    const target = this.customer;
    this.#setRunning(true, this.forceSubmit, this.forceCancel);
    try {
      await invoke('force_delete_customer', { id: target.id, password: this.typedPassword, reason: why });
      this.#setRunning(false, this.forceSubmit, this.forceCancel);
      this.force.close();
      this.store.removeCustomer(target.id);
      showToast(`Customer "${target.name}" force deleted.`);
    } catch (err) {
      this.#setRunning(false, this.forceSubmit, this.forceCancel);
      routeError(err, {
        ...this.#closingRoutes(this.force, target),
        validation: (e) => {
          if (e.fields.reason) {
            setFieldError(this.reason, this.reasonError, e.fields.reason);
            this.reason.focus();
          } else {
            this.forceError.textContent = e.message;
          }
        },
        other: (e) => { this.forceError.textContent = e.message; },
      });
    }
  }
}
