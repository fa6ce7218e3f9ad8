// @ts-check
// Review changed certificates for the selected customers (#certs-dialog, administrators): each
// customer whose server presents another certificate than the trusted one (changed_certificates),
// with both SHA-256 fingerprints to compare with the customer, trusted one by one or all shown at
// once (trust_certificates: exactly the fingerprints shown; one that changed again since fails
// with why). Owns this dialog; must never trust anything that was not on the screen.
import { invoke, invokeWithProgress } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { LatestReply } from '../lib/latest.js';
import { formatCount, formatWhen } from '../lib/format.js';
import { BatchPanel } from '../components/batch-progress.js';
import { fingerprintLines } from '../components/certificate.js';
import { refreshTrust } from '../components/trust-refresh.js';

/** @import { Store } from '../store.js' */
/** @import { ChangedCertificate, ShownCertificate } from '../types' */
/** @import { BatchWords } from '../components/batch-progress.js' */

/** @type {BatchWords} */
const TRUST_WORDS = {
  running: (done, total, failed) => `Trusting ${done} of ${total} · ${failed} failed`,
  finished: (ok, failed) => `${ok} trusted, ${failed} not trusted`,
  cancelled: (done, total) => `Cancelled after ${done} of ${total}`,
  failures: 'Not trusted:',
};

/** @param {number} n */
const customers = (n) => (n === 1 ? '1 customer' : `${formatCount(n)} customers`);

export class CertificateBatchDialog {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.list = byId('certs-list');
    this.intro = byId('certs-intro');
    this.error = byId('certs-error');
    this.allBtn = byId('certs-trust-all', HTMLButtonElement);
    this.closeBtn = byId('certs-close', HTMLButtonElement);
    this.panel = new BatchPanel(byId('certs-progress'), { closable: false });
    this.loads = new LatestReply();
    /** What is shown, by customer id. @type {Map<string, ChangedCertificate>} */
    this.shown = new Map();
    /** Trusted here since the dialog opened. @type {Set<string>} */
    this.trusted = new Set();
    this.running = false;
    this.modal = new Modal(byId('certs-dialog', HTMLDialogElement), { canClose: () => !this.running });
    this.modal.dialog.addEventListener('close', () => {
      this.loads.invalidate();
      this.shown = new Map();
      this.list.replaceChildren();
      this.panel.hide();
      if (this.store.session) refreshTrust(this.store);
    });
    this.list.addEventListener('click', (e) => {
      const btn = /** @type {Element} */ (e.target).closest('button[data-trust]');
      if (btn instanceof HTMLButtonElement) this.#trust([btn.dataset.trust ?? '']);
    });
    this.allBtn.addEventListener('click', () => this.#trust(Array.from(this.shown.keys()).filter((id) => !this.trusted.has(id))));
  }

  /**
   * Opens the review for `ids` (empty: every customer).
   * @param {string[]} ids
   * @param {HTMLElement} opener
   */
  open(ids, opener) {
    if (this.running) return;
    this.shown = new Map();
    this.trusted = new Set();
    this.list.replaceChildren();
    this.error.textContent = '';
    this.panel.hide();
    this.intro.textContent = 'Asking for the changed certificates…';
    this.#renderButtons();
    this.modal.open(opener);
    this.closeBtn.focus();
    this.#load(ids);
  }

  /** Closes (lock, logout). */
  reset() {
    this.running = false;
    this.modal.close();
  }

  /** @param {string[]} ids */
  async #load(ids) {
    const current = this.loads.begin();
    try {
      const changed = await invoke('changed_certificates', { customerIds: ids });
      if (!current()) return;
      this.shown = new Map(changed.map((c) => [String(c.customerId), c]));
      const n = changed.length;
      const of = ids.length > n ? ` (of the ${customers(ids.length)} selected)` : '';
      const who = n === 1 ? `"${changed[0].name}"${of} presents` : `${customers(n)}${of} present`;
      this.intro.textContent = n
        ? `${who} another certificate than the trusted one, so nothing is sent to ${n === 1 ? 'it' : 'them'}. Compare each new fingerprint with the customer (over the phone, or another channel than this connection) before you trust it. After a Log360 upgrade renewed them all, "Trust all shown" trusts exactly the fingerprints on this screen.`
        : `None of the ${ids.length ? `${customers(ids.length)} selected` : 'customers'} presents a changed certificate.`;
      this.list.replaceChildren(...changed.map((c) => this.#item(c)));
      this.#renderButtons();
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        forbidden: (e) => {
          this.modal.close();
          toastMessage(e);
        },
        other: (e) => {
          this.intro.textContent = '';
          this.error.textContent = `Could not ask for the changed certificates: ${e.message}`;
        },
      });
    }
  }

  /** @param {ChangedCertificate} c */
  #item(c) {
    const id = String(c.customerId);
    return el('li', { class: 'cert-item', 'data-customer-id': id },
      el('div', { class: 'cert-item-head' },
        el('span', { class: 'cert-item-name', text: c.name }),
        el('span', { class: 'cert-item-server', text: `${c.server}:${c.port}` }),
        c.changedAt ? el('span', { class: 'cert-item-when', text: `changed ${formatWhen(c.changedAt)}` }) : null,
        el('span', { class: 'cert-item-state', role: 'status' }),
        el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-trust': id, text: 'Trust', 'aria-label': `Trust the new certificate of ${c.name}` })),
      el('dl', { class: 'review-compare cert-item-compare' },
        el('div', {}, el('dt', { text: 'Trusted' }), el('dd', { class: 'mono' }, ...fingerprintLines(c.trustedSha256))),
        el('div', {}, el('dt', { text: 'Presented now' }), el('dd', { class: 'mono cert-item-new' }, ...fingerprintLines(c.presentedSha256)))));
  }

  #renderButtons() {
    const left = Array.from(this.shown.keys()).filter((id) => !this.trusted.has(id)).length;
    this.allBtn.hidden = this.shown.size === 0;
    this.allBtn.disabled = this.running || left === 0;
    this.allBtn.textContent = left > 1 ? `Trust all shown (${formatCount(left)})` : 'Trust all shown';
    this.closeBtn.disabled = this.running;
    for (const btn of this.list.querySelectorAll('button[data-trust]')) {
      if (btn instanceof HTMLButtonElement) btn.disabled = this.running || this.trusted.has(btn.dataset.trust ?? '');
    }
  }

  /**
   * Trusts the shown fingerprint of each of `ids`.
   * @param {string[]} ids
   */
  async #trust(ids) {
    /** @type {ShownCertificate[]} */
    const certificates = ids.map((id) => this.shown.get(id)).filter((c) => c !== undefined)
      .map((c) => ({ customerId: String(c.customerId), sha256: c.presentedSha256 }));
    if (this.running || !certificates.length) return;
    this.running = true;
    this.error.textContent = '';
    setBusy(this.allBtn, true);
    this.#renderButtons();
    this.panel.start(TRUST_WORDS, certificates.length);
    try {
      const report = await invokeWithProgress('trust_certificates', { certificates }, (p) => this.panel.progress(p));
      this.panel.finish(report);
      const failed = new Map(report.failures.map((f) => [String(f.customerId), f.reason]));
      for (const { customerId } of certificates) {
        const item = this.list.querySelector(`li[data-customer-id="${CSS.escape(customerId)}"]`);
        const state = item && item.querySelector('.cert-item-state');
        const why = failed.get(customerId);
        if (why === undefined && !report.cancelled) this.trusted.add(customerId);
        if (item instanceof HTMLElement) item.dataset.state = why !== undefined ? 'failed' : this.trusted.has(customerId) ? 'trusted' : '';
        if (state) state.textContent = why !== undefined ? `Not trusted: ${why}` : this.trusted.has(customerId) ? 'Trusted' : '';
      }
    } catch (err) {
      routeError(err, {
        forbidden: (e) => {
          this.running = false;
          this.modal.close();
          toastMessage(e);
        },
        other: (e) => this.panel.fail(`Could not trust: ${e.message}`),
      });
    } finally {
      this.running = false;
      setBusy(this.allBtn, false);
      this.#renderButtons();
    }
  }
}
