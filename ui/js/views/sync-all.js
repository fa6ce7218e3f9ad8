// @ts-check
// Sync All (#sync-all-button) and its progress area (#sync-progress): start, progress rendered
// once per frame, Cancel, the result for a few seconds. Owns that area; must never learn how
// progress travels (api.js's startSyncAll does).
import { invoke, startSyncAll } from '../api.js';
import { byId } from '../lib/dom.js';
import { setBusy } from '../lib/busy.js';
import { frameCoalescer } from '../lib/coalesce.js';
import { toastError } from '../lib/errors.js';
import { formatCount } from '../lib/format.js';
import { showToast } from '../lib/toast.js';

/** @import { Store } from '../store.js' */
/** @import { BatchProgress } from '../types' */

const HIDE_AFTER_MS = 5000;
const SYNC_BUSY = { busy: 'Syncing…', idle: 'Sync All' };
const CANCEL_BUSY = { busy: 'Cancelling…', idle: 'Cancel' };

/** @param {unknown} v  a count, as a whole number ≥ 0 */
const num = (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 ? Math.floor(Number(v)) : 0);

export class SyncAllView {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.button = byId('sync-all-button', HTMLButtonElement);
    this.area = byId('sync-progress');
    this.text = byId('sync-progress-text');
    this.bar = byId('sync-progress-bar', HTMLProgressElement);
    this.spinner = byId('sync-progress-spinner');
    this.cancelBtn = byId('sync-cancel', HTMLButtonElement);
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.hideTimer = undefined;
    this.starting = false; // sync_all call in flight
    this.running = false; // the core reports a run
    this.cancelling = false;
    this.sawProgress = false; // a progress report arrived since the click
    /** The last report, rendered once per frame. @type {BatchProgress | null} */
    this.queued = null;
    this.scheduleRender = frameCoalescer(() => {
      const last = this.queued;
      this.queued = null;
      if (last) this.#render(last);
    });
    this.button.addEventListener('click', () => this.#start());
    this.cancelBtn.addEventListener('click', () => this.#cancel());
    store.on('session-changed', ({ session }) => {
      if (!session) this.#reset();
    });
  }

  #showButtons() {
    setBusy(this.button, this.starting || this.running, SYNC_BUSY);
    this.cancelBtn.hidden = !this.running;
    this.cancelBtn.disabled = this.cancelling;
    this.cancelBtn.textContent = this.cancelling ? CANCEL_BUSY.busy : CANCEL_BUSY.idle;
  }

  /** @param {BatchProgress} p */
  #queue(p) {
    if (!p || typeof p !== 'object' || !this.store.session) return;
    this.sawProgress = true;
    this.queued = p;
    this.scheduleRender();
  }

  /** @param {BatchProgress} p */
  #render(p) {
    const done = num(p.done), total = num(p.total), failed = num(p.failed);
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
    this.area.hidden = false;
    this.bar.max = Math.max(1, total);
    this.bar.value = Math.min(done, Math.max(1, total));
    this.running = p.running === true;
    this.spinner.hidden = !this.running;
    const [state, text] = this.running
      ? ['running', `Syncing ${formatCount(done)} of ${formatCount(total)} · ${formatCount(failed)} failed`]
      : p.cancelled
        ? ['cancelled', `Sync cancelled after ${formatCount(done)} of ${formatCount(total)}`]
        : [failed > 0 ? 'failed' : 'done', `Sync finished: ${formatCount(Math.max(0, done - failed))} synced, ${formatCount(failed)} failed`];
    this.area.dataset.state = state;
    this.text.textContent = text;
    if (!this.running) {
      this.cancelling = false;
      this.hideTimer = setTimeout(() => {
        this.area.hidden = true;
        this.hideTimer = undefined;
      }, HIDE_AFTER_MS);
    }
    this.#showButtons();
  }

  async #start() {
    if (this.button.disabled || !this.store.session) return;
    this.starting = true;
    this.sawProgress = false;
    this.#showButtons();
    try {
      const res = await startSyncAll((p) => this.#queue(p));
      const total = num(res && res.total);
      if (total === 0) showToast('There are no customers to sync.', 'info');
      else if (!this.sawProgress) this.#render({ batch: res.batch, done: 0, total, failed: 0, running: true, cancelled: false, failures: [] });
    } catch (err) {
      toastError(err, 'Sync All failed: ');
    } finally {
      this.starting = false;
      this.#showButtons();
    }
  }

  async #cancel() {
    if (this.cancelBtn.disabled || !this.running) return;
    this.cancelling = true;
    this.#showButtons();
    try {
      await invoke('cancel_sync_all');
    } catch (err) {
      this.cancelling = false;
      this.#showButtons();
      toastError(err);
    }
  }

  #reset() {
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
    this.area.hidden = true;
    this.starting = this.running = this.cancelling = false;
    this.queued = null;
    this.#showButtons();
  }
}
