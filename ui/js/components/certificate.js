// @ts-check
// A customer's certificate as the screen shows it, shared by the Add/Update Customer dialog, the
// Review certificate dialog, the detail dialog and the table: the certificate card (fingerprints
// to read aloud, subject, issuer, validity, names), the choice of what to trust (TrustChoice),
// the words for a customer's current trust. Builds nodes from what the core sent, text only;
// must never decide trust itself: the core checks every choice again.
import { el } from '../lib/dom.js';
import { formatDate, formatFull, toDate } from '../lib/format.js';

/** @import { Certificate, Trust, TrustInput } from '../types' */
/** @import { Field } from '../lib/form.js' */

/** Bytes per line of a fingerprint shown large: 32 bytes of SHA-256 on two lines of 16. */
const BYTES_PER_LINE = 16;
/** Bytes of a fingerprint kept in a short mention ("Pinned certificate AB:CD:EF:01:23:45…"). */
const SHORT_BYTES = 6;

/**
 * "AB:CD:EF:01:23:45…" (the whole text when it is short already).
 * @param {string | null | undefined} sha256
 */
export function shortFingerprint(sha256) {
  const bytes = String(sha256 ?? '').split(':');
  return bytes.length > SHORT_BYTES ? `${bytes.slice(0, SHORT_BYTES).join(':')}…` : String(sha256 ?? '');
}

/**
 * A customer's trust in words: "Trusted by this computer", "Pinned certificate AB:CD…",
 * "Pinned public key AB:CD…", "Customer CA"; for HTTP, "None: HTTP has no certificate".
 * @param {Trust | null | undefined} trust
 * @param {{ full?: boolean }} [options]  full: the whole fingerprint instead of its start
 */
export function trustLabel(trust, { full = false } = {}) {
  if (!trust) return 'None: HTTP has no certificate';
  const sha = full ? String(trust.sha256 ?? '') : shortFingerprint(trust.sha256);
  switch (trust.kind) {
    case 'certificate': return `Pinned certificate ${sha}`;
    case 'publicKey': return `Pinned public key ${sha}`;
    case 'ca': return 'Customer CA';
    default: return 'Trusted by this computer';
  }
}

/**
 * A fingerprint as lines of 16 bytes (span.cert-fingerprint-line each), so two fingerprints line
 * up for comparing; `perLine` 8 for a narrow column.
 * @param {string | null | undefined} sha256  AB:CD:…
 * @param {number} [perLine]
 * @returns {HTMLSpanElement[]}
 */
export function fingerprintLines(sha256, perLine = BYTES_PER_LINE) {
  const bytes = String(sha256 ?? '').split(':');
  const lines = [];
  for (let i = 0; i < bytes.length; i += perLine) lines.push(bytes.slice(i, i + perLine).join(':'));
  return lines.map((line) => el('span', { class: 'cert-fingerprint-line', text: line }));
}

/**
 * The fingerprint, large and monospace, 16 bytes a line so it can be read aloud and compared.
 * The whole value is in data-sha256.
 * @param {string} sha256  AB:CD:…
 */
export function fingerprintBlock(sha256) {
  return el('p', { class: 'cert-fingerprint', dataset: { sha256: String(sha256 ?? '') } }, ...fingerprintLines(sha256));
}

/**
 * A fact of the card: label, value (text, or a node), and an optional class for the value.
 * @param {string} label
 * @param {string | Node} value
 * @param {{ wide?: boolean, cls?: string, title?: string }} [options]
 */
function fact(label, value, { wide = false, cls = '', title } = {}) {
  return el('div', { class: wide ? 'span-2' : undefined },
    el('dt', { text: label }),
    typeof value === 'string' ? el('dd', { class: cls || undefined, text: value, title }) : el('dd', {}, value));
}

/**
 * "Valid from" / "Valid until", with "not valid yet" or "expired" said when so.
 * @param {Certificate} cert
 * @param {Date} now
 */
function validity(cert, now) {
  const from = toDate(cert.notBefore);
  const until = toDate(cert.notAfter);
  const early = !!from && from > now;
  const expired = !!until && until < now;
  return [
    fact('Valid from', `${formatDate(cert.notBefore)}${early ? ' (not valid yet)' : ''}`, { cls: early ? 'cert-bad' : '', title: formatFull(cert.notBefore) }),
    fact('Valid until', `${formatDate(cert.notAfter)}${expired ? ' (expired)' : ''}`, { cls: expired ? 'cert-bad' : '', title: formatFull(cert.notAfter) }),
  ];
}

/**
 * The note shown when the certificate does not name the server entered.
 * @param {string} host
 */
function namesHostNote(host) {
  const server = host ? `the server entered (${host})` : 'the server entered';
  return el('p', { class: 'callout callout-info cert-names-note' },
    `This certificate does not name ${server}. Self-signed Log360 certificates usually name the `
    + 'internal host name. A pinned certificate or public key is trusted by its fingerprint, not by '
    + 'name, so that is fine; a customer CA checks the name, so it would refuse this server.');
}

/**
 * The certificate card: fingerprint, public key fingerprint, subject, issuer, validity, the names
 * it is for, "Self-signed" when so, and a note when it does not name the server.
 * @param {Certificate} cert
 * @param {{ heading?: string, host?: string, now?: Date }} [options]
 */
export function certificateCard(cert, { heading = 'Server certificate', host = '', now = new Date() } = {}) {
  const names = Array.isArray(cert.names) && cert.names.length ? cert.names.join(', ') : 'No names';
  return el('section', { class: 'cert-card', 'aria-label': heading },
    el('div', { class: 'cert-card-head' },
      el('h3', { class: 'cert-card-title', text: heading }),
      cert.selfSigned ? el('span', { class: 'pill', dataset: { kind: 'warn' }, text: 'Self-signed' }) : null),
    el('p', { class: 'cert-label', text: 'SHA-256 fingerprint' }),
    fingerprintBlock(cert.sha256),
    el('dl', { class: 'cert-facts' },
      fact('Public key SHA-256', String(cert.publicKeySha256 ?? ''), { wide: true, cls: 'mono cert-key' }),
      fact('Subject', String(cert.subject ?? ''), { title: String(cert.subject ?? '') }),
      fact('Issuer', String(cert.issuer ?? ''), { title: String(cert.issuer ?? '') }),
      fact('Issued for', names),
      ...validity(cert, now)),
    cert.namesHost ? null : namesHostNote(host));
}

/** @typedef {'certificate' | 'publicKey' | 'ca'} TrustMode */

/** The three choices: value, label, hint. @type {Array<[TrustMode, string, string]>} */
const CHOICES = [
  ['certificate', 'This certificate', 'Only this exact certificate. A new certificate needs your review again.'],
  ['publicKey', 'Its public key — survives a renewal with the same key', 'A certificate renewed with the same key stays trusted; a new key needs your review again.'],
  ['ca', 'A customer CA', "The customer's own certificate authority signed it: paste the CA's certificate. The server's name must match the certificate."],
];

/**
 * The choice of what to trust for a customer after reviewing its certificate: "This certificate"
 * (default), "Its public key — …", "A customer CA" with a box for the CA's PEM. Owns its inputs;
 * the view puts its `fields` into its FieldErrors (keys `trust` and `caPem`).
 */
export class TrustChoice {
  /** @param {string} prefix  makes the ids: <prefix>-mode-<mode>, <prefix>-ca-pem, <prefix>-caPem-error */
  constructor(prefix) {
    this.radios = CHOICES.map(([mode]) => el('input', { type: 'radio', id: `${prefix}-mode-${mode}`, name: `${prefix}-mode`, value: mode }));
    this.caPem = el('textarea', { id: `${prefix}-ca-pem`, class: 'mono', rows: 5, spellcheck: 'false', autocomplete: 'off', placeholder: '-----BEGIN CERTIFICATE-----' });
    this.caError = el('p', { id: `${prefix}-caPem-error`, class: 'field-error' });
    this.trustError = el('p', { id: `${prefix}-trust-error`, class: 'field-error' });
    this.caField = el('div', { class: 'field trust-ca', hidden: true },
      el('label', { for: this.caPem.id, text: "The customer CA's certificate (PEM)" }), this.caPem, this.caError);
    this.element = el('fieldset', { class: 'trust-choice' },
      el('legend', { text: 'What to trust for this customer' }),
      ...CHOICES.map(([, label, hint], i) => el('label', { class: 'trust-option', for: this.radios[i].id },
        this.radios[i], el('span', { class: 'trust-option-text' }, el('span', { class: 'trust-option-label', text: label }), el('span', { class: 'trust-option-hint', text: hint })))),
      this.caField, this.trustError);
    /** @type {Certificate | null} */
    this.cert = null;
    this.element.addEventListener('change', () => this.#modeChanged());
    this.reset(null);
  }

  /** The fields the core's `trust` and `caPem` errors go to. @returns {Record<string, Field>} */
  get fields() {
    return { trust: { input: this.radios[0], error: this.trustError }, caPem: { input: this.caPem, error: this.caError } };
  }

  /** @returns {TrustMode} */
  get mode() {
    const on = this.radios.find((r) => r.checked);
    return /** @type {TrustMode} */ (on ? on.value : 'certificate');
  }

  /**
   * Back to "This certificate" for `cert` (null: nothing reviewed), the CA box emptied.
   * @param {Certificate | null} cert
   */
  reset(cert) {
    this.cert = cert;
    this.radios[0].checked = true;
    this.caPem.value = '';
    this.#modeChanged();
  }

  /** @param {boolean} on  while the core works: nothing can be changed */
  setDisabled(on) {
    for (const r of this.radios) r.disabled = on;
    this.caPem.readOnly = on;
  }

  /**
   * What the admin chose, for the core (null when no certificate was reviewed).
   * @returns {TrustInput | null}
   */
  value() {
    const cert = this.cert;
    if (!cert) return null;
    switch (this.mode) {
      case 'publicKey': return { mode: 'publicKey', sha256: cert.publicKeySha256 };
      case 'ca': return { mode: 'ca', caPem: this.caPem.value };
      default: return { mode: 'certificate', sha256: cert.sha256 };
    }
  }

  #modeChanged() {
    const ca = this.mode === 'ca';
    this.caField.hidden = !ca;
    this.element.dataset.mode = this.mode;
  }
}
