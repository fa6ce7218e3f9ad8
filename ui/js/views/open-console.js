// @ts-check
// "Open console" (the customer row's button and the detail dialog's): asks the core to show the
// customer's own Log360 console, signed in, in a window of that customer's own
// (open_customer_console; the sign-in URL never comes here). Says what happened in a toast; when
// the console cannot be opened (`console_unavailable`: this platform cannot check the customer's
// pinned certificate; or any other failure) the reason goes in a small dialog of its own, built
// here, since it is too long for a toast. Owns that dialog; must never open a URL itself.
import { invoke } from '../api.js';
import { el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { routeError } from '../lib/errors.js';
import { hideToast, showToast } from '../lib/toast.js';

/** @import { ApiError } from '../api.js' */
/** @import { Customer } from '../types' */

export class ConsoleOpener {
  constructor() {
    /** Customers whose console is being opened: a second click waits for the first. @type {Set<string>} */
    this.pending = new Set();
    this.title = el('h2', { id: 'console-error-title', class: 'dialog-title', text: 'Open console' });
    this.message = el('p', { id: 'console-error-message', class: 'console-error-message' });
    const dialog = el('dialog', { id: 'console-error-dialog', class: 'dialog console-error-dialog', 'aria-labelledby': 'console-error-title', 'aria-describedby': 'console-error-message' },
      el('header', { class: 'dialog-head' }, this.title, el('button', { type: 'button', class: 'dialog-x', 'data-close': true, 'aria-label': 'Close' })),
      el('div', { class: 'dialog-body' }, this.message),
      el('footer', { class: 'dialog-foot' }, el('button', { type: 'button', class: 'btn btn-primary', 'data-close': true, text: 'Close' })));
    document.body.append(dialog);
    this.modal = new Modal(dialog, { backdropCloses: true });
  }

  /**
   * Opens (or brings forward) `customer`'s console window.
   * @param {Customer} customer
   * @param {HTMLElement} opener  gets focus back after the error dialog
   * @returns {Promise<boolean>}  whether it is shown
   */
  async open(customer, opener) {
    const id = String(customer.id);
    if (this.pending.has(id)) return false;
    this.pending.add(id);
    const name = String(customer.name ?? '');
    showToast(`Opening the console of "${name}"…`, 'info');
    try {
      const shown = await invoke('open_customer_console', { id });
      showToast(shown.shown === 'focused' ? `The console of "${name}" is open in its window.`
        : shown.shown === 'browser' ? `The console of "${name}" opened in your default browser.`
          : `The console of "${name}" opened in its own window.`);
      return true;
    } catch (err) {
      hideToast();
      routeError(err, {
        console_unavailable: (e) => this.#explain(`Open console is unavailable for "${name}"`, e, opener),
        forbidden: (e) => this.#explain(`You cannot open the console of "${name}"`, e, opener),
        other: (e) => this.#explain(`The console of "${name}" could not be opened`, e, opener),
      });
      return false;
    } finally {
      this.pending.delete(id);
    }
  }

  /**
   * @param {string} title
   * @param {ApiError} err
   * @param {HTMLElement} opener
   */
  #explain(title, err, opener) {
    this.title.textContent = title;
    this.message.textContent = err.message;
    this.modal.dialog.dataset.code = err.code;
    this.modal.open(opener);
  }

  /** Closes the dialog (lock, logout). */
  reset() {
    this.pending.clear();
    this.modal.close();
  }
}
