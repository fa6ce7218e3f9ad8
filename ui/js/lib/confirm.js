// @ts-check
// The one "Are you sure?" dialog (#confirm-dialog) for deletions that need no password (a
// maintenance window, an alert channel, a routing rule): a question, Cancel, and a button that
// runs the caller's call while busy; a failure stays in the dialog. Owns that dialog only; must
// never know what is deleted.
import { byId } from './dom.js';
import { Modal } from './dialog.js';
import { whileBusy } from './busy.js';
import { toApiError } from '../api.js';

/** @type {{ modal: Modal, running: boolean } | null} */
let state = null;

function init() {
  if (state) return state;
  const s = { modal: /** @type {Modal} */ (/** @type {unknown} */ (null)), running: false };
  s.modal = new Modal(byId('confirm-dialog', HTMLDialogElement), { canClose: () => !s.running });
  state = s;
  return s;
}

/**
 * Asks, and runs `action` when confirmed; closes once it succeeded.
 * @param {{ title: string, text: string, confirm: string, opener: HTMLElement, action: () => Promise<void> }} ask
 */
export function confirmDelete({ title, text, confirm, opener, action }) {
  const s = init();
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-error').textContent = '';
  const old = byId('confirm-ok', HTMLButtonElement);
  // A fresh button: no listener of an earlier question stays.
  const ok = /** @type {HTMLButtonElement} */ (old.cloneNode(false));
  ok.textContent = confirm;
  old.replaceWith(ok);
  ok.addEventListener('click', async () => {
    if (s.running) return;
    s.running = true;
    try {
      await whileBusy(ok, { busy: 'Deleting…', idle: confirm }, action);
      s.running = false;
      s.modal.close();
    } catch (err) {
      const e = toApiError(err);
      if (e.code !== 'locked') byId('confirm-error').textContent = e.message;
    } finally {
      s.running = false;
    }
  });
  s.modal.open(opener);
  ok.focus();
}

/** Closes it (lock, logout). */
export function closeConfirm() {
  if (state) state.modal.close();
}
