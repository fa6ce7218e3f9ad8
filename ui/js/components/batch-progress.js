// @ts-check
// The progress of a long batch (bulk Sync Now, Check health, Delete, certificate trust, the
// import's check and run): "Syncing 12 of 37 · 2 failed", a bar, Cancel (cancel_batch), and when
// it ends the result with each failure named and why. Reports arrive on a channel, often many a
// frame: failures are collected from every report, the text is drawn once per frame. Owns the
// element it is given; must never decide what the batch does.
import { invoke } from '../api.js';
import { el } from '../lib/dom.js';
import { frameCoalescer } from '../lib/coalesce.js';
import { toastError } from '../lib/errors.js';
import { formatCount } from '../lib/format.js';

/** @import { BatchFailure, BatchProgress, BatchReport } from '../types' */

/**
 * The words of one kind of batch.
 * @typedef {{
 *   running: (done: string, total: string, failed: string) => string,
 *   finished: (ok: string, failed: string, total: string) => string,
 *   cancelled: (done: string, total: string) => string,
 *   failures: string,
 * }} BatchWords
 *   failures: the heading of the failure list ("Not synced:")
 */

/** @param {unknown} v  a count, as a whole number ≥ 0 */
const num = (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 ? Math.floor(Number(v)) : 0);

export class BatchPanel {
  /**
   * @param {HTMLElement} root  an empty element; the panel fills it
   * @param {{ onClose?: () => void, closable?: boolean }} [options]  onClose: after Close is
   *   clicked; closable false: no Close (a dialog around it closes instead)
   */
  constructor(root, { onClose, closable = true } = {}) {
    this.closable = closable;
    this.root = root;
    this.root.classList.add('batch-panel');
    this.root.setAttribute('role', 'status');
    this.root.setAttribute('aria-live', 'polite');
    this.spinner = el('span', { class: 'spinner', 'aria-hidden': 'true' });
    this.text = el('p', { class: 'batch-text' });
    this.bar = el('progress', { class: 'sync-progress-bar batch-bar', max: 1, value: 0 });
    this.cancelBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small batch-cancel', text: 'Cancel' });
    this.closeBtn = el('button', { type: 'button', class: 'btn btn-secondary btn-small batch-close', text: 'Close', hidden: true });
    this.failTitle = el('p', { class: 'batch-failures-title', hidden: true });
    this.list = el('ul', { class: 'batch-failures' });
    this.root.replaceChildren(
      el('div', { class: 'batch-head' },
        this.spinner,
        el('div', { class: 'batch-main' }, this.text, this.bar),
        this.cancelBtn, this.closeBtn),
      this.failTitle, this.list);
    this.root.hidden = true;
    /** @type {BatchWords | null} */
    this.words = null;
    /** @type {number | null} */
    this.batch = null;
    this.done = 0;
    this.total = 0;
    this.failed = 0;
    this.running = false;
    this.cancelled = false;
    /** Every failure seen, in order. @type {BatchFailure[]} */
    this.failures = [];
    this.shownFailures = 0;
    this.draw = frameCoalescer(() => this.#render());
    this.cancelBtn.addEventListener('click', () => this.#cancel());
    this.closeBtn.addEventListener('click', () => {
      this.hide();
      if (onClose) onClose();
    });
  }

  /**
   * A new batch of `total` begins.
   * @param {BatchWords} words
   * @param {number} total
   */
  start(words, total) {
    this.words = words;
    this.batch = null;
    this.done = 0;
    this.total = total;
    this.failed = 0;
    this.running = true;
    this.cancelled = false;
    this.failures = [];
    this.shownFailures = 0;
    this.list.replaceChildren();
    this.root.hidden = false;
    this.cancelBtn.disabled = true; // until the first report names the batch
    this.#render();
  }

  /** A report from the channel. @param {BatchProgress} p */
  progress(p) {
    if (!p || typeof p !== 'object' || !this.words) return;
    if (p.batch !== undefined) {
      if (this.batch === null) this.batch = Number(p.batch);
      else if (Number(p.batch) !== this.batch) return; // another batch's channel
    }
    this.done = num(p.done);
    this.total = num(p.total) || this.total;
    this.failed = num(p.failed);
    if (Array.isArray(p.failures)) this.failures.push(...p.failures);
    if (p.running === false) {
      this.running = false;
      this.cancelled = p.cancelled === true;
    }
    this.draw();
  }

  /**
   * The batch answered (a BatchReport, when the command returns one): its failures are the whole
   * list.
   * @param {BatchReport | null} [report]
   */
  finish(report) {
    if (report) {
      this.done = num(report.done);
      this.total = num(report.total);
      this.failures = Array.isArray(report.failures) ? report.failures.slice() : this.failures;
      this.failed = this.failures.length;
      this.cancelled = report.cancelled === true;
      this.shownFailures = 0;
      this.list.replaceChildren();
    }
    this.running = false;
    this.#render();
  }

  /** The batch could not start (or failed as a whole): say why, offer Close. @param {string} message */
  fail(message) {
    this.running = false;
    this.root.hidden = false;
    this.root.dataset.state = 'failed';
    this.spinner.hidden = true;
    this.text.textContent = message;
    this.cancelBtn.hidden = true;
    this.closeBtn.hidden = !this.closable;
  }

  hide() {
    this.root.hidden = true;
    this.words = null;
    this.running = false;
  }

  get isRunning() {
    return this.running;
  }

  #render() {
    const w = this.words;
    if (!w) return;
    const total = Math.max(this.total, this.done);
    this.bar.max = Math.max(1, total);
    this.bar.value = Math.min(this.done, Math.max(1, total));
    this.spinner.hidden = !this.running;
    this.cancelBtn.hidden = !this.running;
    this.cancelBtn.disabled = this.batch === null || this.cancelBtn.textContent === 'Cancelling…';
    this.closeBtn.hidden = this.running || !this.closable;
    const [done, all, failed] = [formatCount(this.done), formatCount(total), formatCount(this.failed)];
    if (this.running) {
      this.root.dataset.state = 'running';
      this.text.textContent = w.running(done, all, failed);
    } else if (this.cancelled) {
      this.root.dataset.state = 'cancelled';
      this.text.textContent = w.cancelled(done, all);
    } else {
      this.root.dataset.state = this.failed > 0 ? 'failed' : 'done';
      this.text.textContent = w.finished(formatCount(Math.max(0, this.done - this.failed)), failed, all);
    }
    if (!this.running) this.cancelBtn.textContent = 'Cancel';
    const frag = document.createDocumentFragment();
    for (const f of this.failures.slice(this.shownFailures)) frag.append(failureItem(f));
    this.shownFailures = this.failures.length;
    this.list.append(frag);
    this.failTitle.hidden = this.failures.length === 0;
    this.failTitle.textContent = `${w.failures} ${formatCount(this.failures.length)}`;
  }

  async #cancel() {
    if (this.batch === null || !this.running) return;
    this.cancelBtn.disabled = true;
    this.cancelBtn.textContent = 'Cancelling…';
    try {
      await invoke('cancel_batch', { batch: this.batch });
    } catch (err) {
      this.cancelBtn.disabled = false;
      this.cancelBtn.textContent = 'Cancel';
      toastError(err, 'Could not cancel: ');
    }
  }
}

/** @param {BatchFailure} f */
function failureItem(f) {
  return el('li', { class: 'batch-failure', 'data-customer-id': f.customerId ?? undefined, 'data-code': f.code },
    el('span', { class: 'batch-failure-name', text: String(f.name ?? '') }),
    el('span', { class: 'batch-failure-reason', text: String(f.reason ?? '') }));
}
