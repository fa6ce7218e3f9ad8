// @ts-check
// Delete for the selected customers (#bulk-delete-dialog): one Confirm Password for the batch
// (delete_customers), its progress (k of N, Cancel) and the result naming each customer that
// was not deleted and why; for those whose soft delete failed because of their instance, Force
// Delete with one reason for all (force_delete_customers). Owns this dialog; the typed password
// lives only while it is open and must never outlive it.
import { invokeWithProgress } from '../api.js';
import { byId } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { setFieldError } from '../lib/form.js';
import { formatCount } from '../lib/format.js';
import { showToast } from '../lib/toast.js';
import { BatchPanel } from '../components/batch-progress.js';

/** @import { Store } from '../store.js' */
/** @import { BatchFailure, BatchReport } from '../types' */
/** @import { BatchWords } from '../components/batch-progress.js' */

/** @type {BatchWords} */
const DELETE_WORDS = {
  running: (done, total, failed) => `Deleting ${done} of ${total} · ${failed} failed`,
  finished: (ok, failed) => `Deleted ${ok}; ${failed} not deleted`,
  cancelled: (done, total) => `Delete cancelled after ${done} of ${total}`,
  failures: 'Not deleted:',
};
/** @type {BatchWords} */
const FORCE_WORDS = {
  running: (done, total, failed) => `Force deleting ${done} of ${total} · ${failed} failed`,
  finished: (ok, failed) => `Force deleted ${ok}; ${failed} failed`,
  cancelled: (done, total) => `Force delete cancelled after ${done} of ${total}`,
  failures: 'Not force deleted:',
};
/** Names shown in the question before "and N more". */
const NAMES_SHOWN = 5;

/** @param {number} n */
const customers = (n) => (n === 1 ? '1 customer' : `${formatCount(n)} customers`);

export class BulkDeleteDialog {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.form = byId('bulk-delete-form', HTMLFormElement);
    this.password = byId('bulk-delete-password', HTMLInputElement);
    this.proceed = byId('bulk-delete-proceed', HTMLButtonElement);
    this.cancel = byId('bulk-delete-cancel', HTMLButtonElement);
    this.error = byId('bulk-delete-error');
    this.reason = byId('bulk-force-reason', HTMLTextAreaElement);
    this.reasonError = byId('bulk-force-reason-error');
    this.forceBtn = byId('bulk-force-submit', HTMLButtonElement);
    this.panel = new BatchPanel(byId('bulk-delete-progress'), { closable: false });
    /** The customers asked about. @type {string[]} */
    this.ids = [];
    /** Those whose soft delete failed because of their instance. @type {BatchFailure[]} */
    this.forceable = [];
    this.typed = '';
    this.running = false;
    this.modal = new Modal(byId('bulk-delete-dialog', HTMLDialogElement), { canClose: () => !this.running });
    this.modal.dialog.addEventListener('close', () => this.#clear());
    this.password.addEventListener('input', () => { this.error.textContent = ''; });
    this.reason.addEventListener('input', () => setFieldError(this.reason, this.reasonError, ''));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#delete();
    });
    this.forceBtn.addEventListener('click', () => this.#force());
  }

  /**
   * Confirm Password for deleting `ids`.
   * @param {string[]} ids
   * @param {HTMLElement} opener
   */
  open(ids, opener) {
    if (this.running || !ids.length) return;
    this.#clear();
    this.ids = ids.slice();
    const names = ids.slice(0, NAMES_SHOWN).map((id) => this.store.getCustomer(id)).filter((c) => c !== null).map((c) => `"${c.name}"`);
    const more = ids.length - names.length;
    byId('bulk-delete-title').textContent = `Delete ${customers(ids.length)}`;
    byId('bulk-delete-message').textContent = `You are about to delete ${customers(ids.length)}: ${names.join(', ')}${more > 0 ? ` and ${formatCount(more)} more` : ''}.`;
    this.#step('confirm');
    this.modal.open(opener);
    this.password.focus();
  }

  /** Closes and forgets everything (lock, logout). */
  reset() {
    this.running = false;
    this.modal.close();
    this.#clear();
  }

  #clear() {
    this.typed = '';
    this.password.value = '';
    this.reason.value = '';
    this.error.textContent = '';
    setFieldError(this.reason, this.reasonError, '');
    this.ids = [];
    this.forceable = [];
    this.panel.hide();
  }

  /** @param {'confirm' | 'running' | 'result'} step */
  #step(step) {
    this.modal.dialog.dataset.step = step;
    byId('bulk-delete-ask').hidden = step !== 'confirm';
    this.proceed.hidden = step !== 'confirm';
    this.cancel.textContent = step === 'result' ? 'Close' : 'Cancel';
    this.cancel.disabled = step === 'running';
    byId('bulk-force').hidden = step !== 'result' || this.forceable.length === 0;
  }

  /** @param {boolean} on */
  #setRunning(on) {
    this.running = on;
    setBusy(this.proceed, on);
    setBusy(this.forceBtn, on);
    this.cancel.disabled = on;
    this.password.readOnly = on;
    this.reason.readOnly = on;
  }

  async #delete() {
    if (this.running || !this.ids.length) return;
    const typed = this.password.value;
    if (!typed) {
      this.error.textContent = 'Enter your password.';
      this.password.focus();
      return;
    }
    this.error.textContent = '';
    this.#setRunning(true);
    try {
      const report = await invokeWithProgress('delete_customers', { customerIds: this.ids, password: typed }, (p) => {
        if (this.panel.root.hidden) {
          this.panel.start(DELETE_WORDS, this.ids.length);
          this.#step('running');
        }
        this.panel.progress(p);
      });
      this.typed = typed;
      this.password.value = '';
      this.#setRunning(false);
      this.#done(report, DELETE_WORDS);
      this.forceable = report.failures.filter((f) => f.forceDeleteAvailable && f.customerId);
      this.#step('result');
      if (this.forceable.length) {
        const one = this.forceable.length === 1;
        byId('bulk-force-intro').textContent = one
          ? `"${this.forceable[0].name}" could not be removed from its Log360 instance (soft delete failed). You can force delete it from Log360 MSSP.`
          : `${customers(this.forceable.length)} could not be removed from their Log360 instances (soft delete failed). You can force delete them from Log360 MSSP, with one reason for all.`;
        this.forceBtn.textContent = `Force Delete ${customers(this.forceable.length)}`;
        this.reason.focus();
      } else {
        this.cancel.focus();
      }
    } catch (err) {
      this.#setRunning(false);
      this.panel.hide();
      this.#step('confirm');
      routeError(err, {
        forbidden: (e) => {
          this.modal.close();
          toastMessage(e);
        },
        other: (e) => {
          this.error.textContent = e.message;
          this.password.focus();
          this.password.select();
        },
      });
    }
  }

  async #force() {
    if (this.running || !this.forceable.length) return;
    setFieldError(this.reason, this.reasonError, '');
    const why = this.reason.value.trim();
    if (!why) {
      setFieldError(this.reason, this.reasonError, 'Enter the reason for force removal.');
      this.reason.focus();
      return;
    }
    const ids = this.forceable.map((f) => String(f.customerId));
    this.#setRunning(true);
    this.panel.start(FORCE_WORDS, ids.length);
    byId('bulk-force').hidden = true;
    try {
      const report = await invokeWithProgress('force_delete_customers', { customerIds: ids, password: this.typed, reason: why }, (p) => this.panel.progress(p));
      this.#setRunning(false);
      this.#done(report, FORCE_WORDS);
      this.forceable = [];
      this.typed = '';
      this.#step('result');
      this.cancel.focus();
    } catch (err) {
      this.#setRunning(false);
      this.panel.fail(`Force Delete failed: ${err instanceof Error ? err.message : String(err)}`);
      routeError(err, {
        validation: (e) => setFieldError(this.reason, this.reasonError, e.fields.reason || e.message),
        other: () => {},
      });
      byId('bulk-force').hidden = false;
    }
  }

  /**
   * The batch ended: the customers it removed leave the table, the rest are listed with why.
   * @param {BatchReport} report
   * @param {BatchWords} words
   */
  #done(report, words) {
    if (this.panel.root.hidden) this.panel.start(words, report.total);
    this.panel.finish(report);
    const failed = new Set(report.failures.map((f) => String(f.customerId)));
    const asked = words === FORCE_WORDS ? this.forceable.map((f) => String(f.customerId)) : this.ids;
    // A cancelled batch did not reach the rest: only what it did leaves (the list reload confirms).
    const removed = report.cancelled ? [] : asked.filter((id) => !failed.has(id));
    for (const id of removed) this.store.removeCustomer(id);
    const ok = report.done - report.failures.length;
    if (ok > 0) showToast(`${customers(ok)} ${words === FORCE_WORDS ? 'force deleted' : 'deleted'}.`);
  }
}
