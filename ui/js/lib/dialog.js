// @ts-check
// Modal dialogs: open and close a <dialog>, let [data-close] buttons and Escape close it unless
// a call is running, optionally close on a backdrop click, and give focus back to what opened
// it. Owns that behaviour only; must never know what a dialog is for.
import { restoreFocus } from './dom.js';

export class Modal {
  /**
   * @param {HTMLDialogElement} dialog
   * @param {{ canClose?: () => boolean, backdropCloses?: boolean }} [options]
   *   canClose: false keeps the dialog open (e.g. while its call runs)
   */
  constructor(dialog, { canClose = () => true, backdropCloses = false } = {}) {
    this.dialog = dialog;
    /** Where focus returns on close. @type {Element | null} */
    this.opener = null;
    dialog.addEventListener('click', (e) => {
      const target = /** @type {Element} */ (e.target);
      if (backdropCloses && target === dialog) {
        this.close();
        return;
      }
      const btn = target.closest('[data-close]');
      if (btn && dialog.contains(btn)) {
        e.preventDefault();
        if (canClose()) this.close();
      }
    });
    dialog.addEventListener('cancel', (e) => {
      if (!canClose()) e.preventDefault();
    });
    dialog.addEventListener('close', () => {
      restoreFocus(this.opener);
      this.opener = null;
    });
  }

  /**
   * Opens modally (no-op when open); focus returns to `opener` on close.
   * @param {Element | null} [opener]  default: what has focus now
   */
  open(opener) {
    this.opener = opener ?? document.activeElement;
    if (!this.dialog.open) this.dialog.showModal();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  get isOpen() {
    return this.dialog.open;
  }

  /**
   * Forgets where focus was to return, and says where: for a dialog that hands over to the next
   * one (Delete -> Force Delete), which returns focus there instead.
   * @returns {Element | null}
   */
  releaseOpener() {
    const opener = this.opener;
    this.opener = null;
    return opener;
  }
}
