// @ts-check
// "Review certificate" (#cert-review-dialog, administrators, HTTPS customers): the trust chosen
// for the customer, what its server presents now (review_certificate: the chain, leaf first, and
// why this computer alone would not trust it) and, when that is not the trusted certificate,
// "The certificate changed" with both fingerprints and "Trust the new certificate"
// (trust_certificate) with the same three choices as the Add Customer dialog. Owns this dialog;
// must never change the table itself: it tells the store, and asks for the customers'
// certificates again when it closes.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { TrustChoice, certificateCard, fingerprintLines, trustLabel } from '../components/certificate.js';
import { refreshTrust } from '../components/trust-refresh.js';

/** @import { Store } from '../store.js' */
/** @import { ApiError } from '../api.js' */
/** @import { Certificate, CertificateReview, Customer } from '../types' */

const TRUST_BUSY = { busy: 'Trusting…', idle: 'Trust the new certificate' };

export class CertificateReviewDialog {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.form = byId('review-form', HTMLFormElement);
    this.trustBtn = byId('review-trust', HTMLButtonElement);
    this.closeBtn = byId('review-close', HTMLButtonElement);
    this.choice = new TrustChoice('review-trust');
    byId('review-trust-choice').append(this.choice.element);
    this.errors = FieldErrors.of(byId('review-error'), this.choice.fields);
    this.errors.clearOnEdit();
    this.loads = new LatestReply();
    /** The customer reviewed; null while closed. @type {string | null} */
    this.currentId = null;
    /** The last review_certificate answer for it. @type {CertificateReview | null} */
    this.review = null;
    this.trusting = false;
    this.modal = new Modal(byId('cert-review-dialog', HTMLDialogElement), { canClose: () => !this.trusting });
    this.#wire();
  }

  #wire() {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#trust();
    });
    this.modal.dialog.addEventListener('close', () => {
      this.currentId = null;
      this.review = null;
      this.loads.invalidate();
      if (this.store.session) refreshTrust(this.store);
    });
    this.store.on('customer-removed', ({ id }) => {
      if (this.currentId === id) this.modal.close();
    });
  }

  /**
   * Opens the review of `customer` and asks its server what it presents now.
   * @param {Customer} customer
   * @param {HTMLElement} opener
   */
  open(customer, opener) {
    if (this.trusting) return;
    this.currentId = String(customer.id);
    this.review = null;
    this.errors.clear();
    this.choice.reset(null);
    this.#render();
    this.modal.open(opener);
    byId('review-body').scrollTop = 0;
    this.closeBtn.focus();
    this.#load();
  }

  /** Closes the dialog (lock, logout). */
  reset() {
    this.#setTrusting(false);
    this.modal.close();
  }

  async #load() {
    const id = this.currentId;
    if (id === null) return;
    const current = this.loads.begin();
    const loading = byId('review-loading');
    loading.hidden = false;
    try {
      const review = await invoke('review_certificate', { id });
      if (!current()) return;
      this.review = review;
      this.#render();
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        forbidden: (e) => this.#closeWith(e),
        not_found: (e) => {
          this.#closeWith(e);
          this.store.removeCustomer(id);
        },
        other: (e) => { this.errors.formError.textContent = `Could not ask the server for its certificate: ${e.message}`; },
      });
    } finally {
      if (current()) loading.hidden = true;
    }
  }

  /** @param {ApiError} err */
  #closeWith(err) {
    this.modal.close();
    toastMessage(err);
  }

  /** Everything from the customer (store) and the last review. */
  #render() {
    const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
    const r = this.review;
    byId('review-customer').textContent = c ? `${c.name} · ${c.server}:${c.port}` : '';
    const trust = r ? r.trust : c && c.trust;
    byId('review-current-trust').textContent = trustLabel(trust, { full: true });
    const leaf = r && r.chain.length ? r.chain[0] : null;
    const changed = !!r && (!!r.changedTo || !r.matchesTrust);
    this.#renderChanged(changed ? r : null, leaf);
    byId('review-matches').hidden = !r || changed;
    const untrusted = byId('review-untrusted');
    untrusted.hidden = !(r && r.untrustedBecause);
    // Expected of a pinned self-signed certificate; a warning only beside a changed one.
    untrusted.classList.toggle('callout-warn', changed);
    untrusted.classList.toggle('callout-info', !changed);
    untrusted.textContent = r && r.untrustedBecause ? `On its own, this computer would not trust it: ${sentence(r.untrustedBecause)}` : '';
    this.#renderChain(r, c ? c.server : '');
    const canTrust = changed && !!leaf;
    byId('review-trust-section').hidden = !canTrust;
    this.trustBtn.hidden = !canTrust;
    if (canTrust && leaf && (!this.choice.cert || this.choice.cert.sha256 !== leaf.sha256)) this.choice.reset(leaf);
  }

  /**
   * "The certificate changed": what is trusted beside what is presented now (public keys for a
   * public-key pin).
   * @param {CertificateReview | null} r  null: it did not change
   * @param {Certificate | null} leaf
   */
  #renderChanged(r, leaf) {
    const box = byId('review-changed');
    box.hidden = !r;
    if (!r) return;
    const byKey = r.trust.kind === 'publicKey';
    byId('review-trusted-label').textContent = byKey ? 'Trusted public key' : 'Trusted';
    const trusted = byId('review-trusted-sha');
    if (r.trust.sha256) trusted.replaceChildren(...fingerprintLines(r.trust.sha256));
    else trusted.textContent = trustLabel(r.trust);
    byId('review-presented-label').textContent = byKey ? 'Public key presented now' : 'Presented now';
    const presented = (leaf && (byKey ? leaf.publicKeySha256 : leaf.sha256)) || r.changedTo;
    byId('review-presented-sha').replaceChildren(...(presented ? fingerprintLines(presented) : ['—']));
  }

  /**
   * The chain the server presents, leaf first.
   * @param {CertificateReview | null} r
   * @param {string} host
   */
  #renderChain(r, host) {
    const chain = r ? r.chain : [];
    byId('review-chain-title').hidden = chain.length === 0;
    const now = new Date();
    byId('review-chain').replaceChildren(...chain.map((cert, i) => certificateCard(cert, {
      heading: i === 0 ? 'Server certificate' : `Issuer certificate ${chain.length > 2 ? i : ''}`.trim(),
      host: i === 0 ? host : '',
      now,
    })));
  }

  /** @param {boolean} on */
  #setTrusting(on) {
    this.trusting = on;
    setBusy(this.trustBtn, on, TRUST_BUSY);
    this.closeBtn.disabled = on;
    this.choice.setDisabled(on);
  }

  async #trust() {
    const id = this.currentId;
    const trust = this.choice.value();
    if (this.trusting || id === null || !trust) return;
    this.errors.clear();
    this.#setTrusting(true);
    try {
      const customer = await invoke('trust_certificate', { id, trust });
      this.#setTrusting(false);
      this.store.upsertCustomer(customer);
      this.modal.close();
      showToast(`The new certificate of "${customer.name}" is trusted.`);
    } catch (err) {
      this.#setTrusting(false);
      routeError(err, {
        forbidden: (e) => this.#closeWith(e),
        not_found: (e) => {
          this.#closeWith(e);
          this.store.removeCustomer(id);
        },
        validation: (e) => this.errors.show(e.fields, e.message),
        // It changed again since it was shown: say so and show what it presents now.
        certificate_changed: (e) => this.#changedAgain(e),
        certificate_untrusted: (e) => this.#changedAgain(e),
        other: (e) => { this.errors.formError.textContent = e.message; },
      });
    }
  }

  /** @param {ApiError} err */
  #changedAgain(err) {
    this.errors.formError.textContent = err.message;
    this.#load();
  }
}

/**
 * The core's reason as the end of a sentence (with its full stop).
 * @param {string} text
 */
function sentence(text) {
  const t = String(text).trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
