// @ts-check
// Import customers (#import-dialog, administrators), opened by #import-customers-button:
// 1. a CSV file chosen (read here with FileReader, never shown) or its text pasted;
// 2. the dry run (import_preview): every row judged by the form's rules, each problem on its
//    line, before anything touches the network;
// 3. optionally "Check instances" (import_check): each HTTPS row's certificate (fingerprint,
//    whether this computer trusts it), to trust row by row or "Trust all shown", or skip; no
//    credentials are sent;
// 4. the import (import_run) with progress and Cancel, then each row's outcome, "Download
//    result" (export_import_result), and "Import again" for rows held for review or failed.
// The passwords from the file go only to the core (and from there only to the encrypted vault):
// the dialog drops the text as soon as the dry run has it, and discards the pending import when
// it closes (import_discard). Owns this dialog; must never keep the file's text.
import { invoke, invokeWithProgress } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { setBusy, whileBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { setFieldError } from '../lib/form.js';
import { formatCount } from '../lib/format.js';
import { showToast } from '../lib/toast.js';
import { BatchPanel } from '../components/batch-progress.js';
import { fingerprintLines } from '../components/certificate.js';

/** @import { ImportPlan, ImportRow } from '../types' */
/** @import { BatchWords } from '../components/batch-progress.js' */
/** @typedef {'choose' | 'report' | 'busy' | 'done'} Step */

/** @type {BatchWords} */
const CHECK_WORDS = {
  running: (done, total, failed) => `Checking instances: ${done} of ${total} · ${failed} with a problem`,
  finished: (_ok, failed, total) => `Checked ${total} instances: ${failed} with a problem`,
  cancelled: (done, total) => `Check cancelled after ${done} of ${total}`,
  failures: 'Problems:',
};
/** @type {BatchWords} */
const RUN_WORDS = {
  running: (done, total, failed) => `Importing ${done} of ${total} · ${failed} not added`,
  finished: (ok, failed) => `Import finished: ${ok} added, ${failed} not added`,
  cancelled: (done, total) => `Import cancelled after ${done} of ${total}`,
  failures: 'Not added:',
};
/** Rows listed beyond those that need attention (a file of 10,000 is summed up, not drawn). */
const ORDINARY_ROWS_SHOWN = 300;
/** The largest file read (the core refuses more anyway). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** @param {ImportRow} r  a row someone has to look at */
function needsLook(r) {
  return r.outcome !== 'pending' && r.outcome !== 'added' && r.outcome !== 'skipped'
    || !!(r.check && (r.check.problem || r.check.untrustedBecause));
}

/** Fields whose value the row shows beside its problem (never the password). */
const SHOWN_FIELDS = /** @type {const} */ (['name', 'email', 'server', 'port', 'connectionType', 'username']);

/**
 * What the file says for `field` on row `r`, when it helps to see it beside the problem.
 * @param {ImportRow} r
 * @param {string} field
 */
function shownValue(r, field) {
  if (!SHOWN_FIELDS.includes(/** @type {typeof SHOWN_FIELDS[number]} */ (field))) return '';
  const v = String(r[/** @type {typeof SHOWN_FIELDS[number]} */ (field)] ?? '').trim();
  return v.length > 60 ? `${v.slice(0, 60)}…` : v;
}

/** The certificate fingerprint a row can be trusted by: a held row's, or the one checked. @param {ImportRow} r */
function trustable(r) {
  if (r.outcome === 'held for review' && r.heldSha256) return r.heldSha256;
  if (r.outcome === 'pending' && r.check && r.check.certificate && r.check.untrustedBecause) return r.check.certificate.sha256;
  return null;
}

export class ImportDialog {
  constructor() {
    this.fileInput = byId('import-file', HTMLInputElement);
    this.textInput = byId('import-text', HTMLTextAreaElement);
    this.fileError = byId('import-file-error');
    this.formError = byId('import-error');
    this.tbody = byId('import-tbody', HTMLTableSectionElement);
    this.nextBtn = byId('import-next', HTMLButtonElement);
    this.checkBtn = byId('import-check', HTMLButtonElement);
    this.backBtn = byId('import-back', HTMLButtonElement);
    this.downloadBtn = byId('import-download', HTMLButtonElement);
    this.closeBtn = byId('import-close', HTMLButtonElement);
    this.trustAllBtn = byId('import-trust-all', HTMLButtonElement);
    this.panel = new BatchPanel(byId('import-progress'), { closable: false });
    /** The chosen file's text, until the dry run has it. */
    this.fileText = '';
    /** @type {ImportPlan | null} */
    this.plan = null;
    /** line -> fingerprint the admin ticked to trust. @type {Map<number, string>} */
    this.trust = new Map();
    /** @type {Step} */
    this.step = 'choose';
    this.running = false;
    this.ran = false;
    this.modal = new Modal(byId('import-dialog', HTMLDialogElement), { canClose: () => !this.running });
    this.#wire();
  }

  #wire() {
    const opener = byId('import-customers-button', HTMLButtonElement);
    opener.addEventListener('click', () => this.open(opener));
    this.modal.dialog.addEventListener('close', () => this.#closed());
    this.fileInput.addEventListener('change', () => this.#fileChosen());
    this.textInput.addEventListener('input', () => {
      setFieldError(this.textInput, this.fileError, '');
      if (this.textInput.value) this.#forgetFile();
    });
    byId('import-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      this.#next();
    });
    this.checkBtn.addEventListener('click', () => this.#check());
    this.backBtn.addEventListener('click', () => this.#startOver());
    this.downloadBtn.addEventListener('click', () => this.#download());
    this.trustAllBtn.addEventListener('click', () => this.#trustAll());
    this.tbody.addEventListener('change', (e) => {
      const box = /** @type {Element} */ (e.target);
      if (!(box instanceof HTMLInputElement) || !box.dataset.line) return;
      const line = Number(box.dataset.line);
      if (box.checked) this.trust.set(line, box.dataset.sha256 ?? '');
      else this.trust.delete(line);
      this.#renderButtons();
    });
  }

  /** @param {HTMLElement} opener */
  open(opener) {
    if (this.running) return;
    this.#startOver();
    this.modal.open(opener);
    this.fileInput.focus();
  }

  /** Closes and forgets everything (lock, logout). */
  reset() {
    this.running = false;
    this.modal.close();
  }

  #closed() {
    const plan = this.plan;
    this.plan = null;
    this.trust = new Map();
    this.#forgetFile();
    this.textInput.value = '';
    this.panel.hide();
    this.tbody.replaceChildren();
    // The rows (and their passwords) leave the core too.
    if (plan) invoke('import_discard', { importId: plan.id }).catch(() => {});
  }

  #startOver() {
    if (this.plan) invoke('import_discard', { importId: this.plan.id }).catch(() => {});
    this.plan = null;
    this.trust = new Map();
    this.ran = false;
    this.#forgetFile();
    this.textInput.value = '';
    this.formError.textContent = '';
    setFieldError(this.textInput, this.fileError, '');
    this.panel.hide();
    this.tbody.replaceChildren();
    this.#setStep('choose');
  }

  #forgetFile() {
    this.fileText = '';
    this.fileInput.value = '';
    byId('import-file-name').textContent = '';
  }

  /** Reads the chosen file (never shown: it holds passwords). */
  #fileChosen() {
    const file = this.fileInput.files && this.fileInput.files[0];
    setFieldError(this.textInput, this.fileError, '');
    this.fileText = '';
    byId('import-file-name').textContent = '';
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFieldError(this.textInput, this.fileError, 'The file is larger than 16 MB; split it into smaller files.');
      this.fileInput.value = '';
      return;
    }
    this.textInput.value = '';
    const reader = new FileReader();
    reader.onload = () => {
      this.fileText = typeof reader.result === 'string' ? reader.result : '';
      byId('import-file-name').textContent = `${file.name} is read (${plural(Math.max(0, this.fileText.split(/\r?\n/).filter((l) => l.trim()).length - 1), 'row', 'rows')}). Click Check the file.`;
    };
    reader.onerror = () => setFieldError(this.textInput, this.fileError, `The file cannot be read: ${reader.error ? reader.error.message : 'unknown error'}`);
    reader.readAsText(file);
  }

  /** @param {Step} step */
  #setStep(step) {
    this.step = step;
    this.modal.dialog.dataset.step = step;
    byId('import-choose').hidden = step !== 'choose';
    byId('import-report').hidden = step === 'choose';
    byId('import-after').hidden = !this.ran;
    byId('import-check-hint').hidden = this.ran;
    this.#renderButtons();
  }

  #renderButtons() {
    const plan = this.plan;
    const step = this.step;
    const busy = this.running;
    const left = plan ? plan.rows.filter((r) => r.outcome === 'pending' || r.outcome === 'held for review' || r.outcome === 'failed' || r.outcome === 'not imported').length : 0;
    this.nextBtn.hidden = step === 'done' && left === 0;
    this.nextBtn.disabled = busy || (step !== 'choose' && left === 0);
    this.nextBtn.textContent = step === 'choose' ? 'Check the file'
      : this.ran ? `Import again (${formatCount(left)})` : `Import ${plural(left, 'customer', 'customers')}`;
    this.checkBtn.hidden = step === 'choose' || this.ran;
    this.checkBtn.disabled = busy || !plan || plan.ready === 0;
    this.backBtn.hidden = step === 'choose' || this.ran;
    this.backBtn.disabled = busy;
    this.downloadBtn.hidden = !this.ran;
    this.downloadBtn.disabled = busy;
    this.closeBtn.disabled = busy;
    this.closeBtn.textContent = this.ran ? 'Close' : 'Cancel';
    const shown = Array.from(this.tbody.querySelectorAll('input[data-line]'));
    this.trustAllBtn.hidden = shown.length === 0;
    this.trustAllBtn.disabled = busy || shown.every((b) => /** @type {HTMLInputElement} */ (b).checked);
  }

  /** @param {boolean} on */
  #setRunning(on) {
    this.running = on;
    setBusy(this.nextBtn, on);
    for (const box of this.tbody.querySelectorAll('input[data-line]')) /** @type {HTMLInputElement} */ (box).disabled = on;
    this.#renderButtons();
  }

  /** The primary button: the dry run, or the import. */
  #next() {
    if (this.running) return;
    if (this.step === 'choose') this.#preview();
    else this.#run();
  }

  async #preview() {
    const text = this.fileText || this.textInput.value;
    this.formError.textContent = '';
    if (!text.trim()) {
      setFieldError(this.textInput, this.fileError, 'Choose a CSV file, or paste its content.');
      this.fileInput.focus();
      return;
    }
    this.#setRunning(true);
    try {
      const plan = await invoke('import_preview', { text });
      // The core has the rows now: the text (and its passwords) leaves the window.
      this.#forgetFile();
      this.textInput.value = '';
      this.#setRunning(false);
      this.#show(plan);
      this.#setStep('report');
      byId('import-summary').focus();
    } catch (err) {
      this.#setRunning(false);
      routeError(err, {
        forbidden: (e) => this.#closeWith(e),
        validation: (e) => setFieldError(this.textInput, this.fileError, e.fields.file || e.message),
        other: (e) => { this.formError.textContent = e.message; },
      });
    }
  }

  async #check() {
    const plan = this.plan;
    if (this.running || !plan) return;
    this.#setRunning(true);
    this.panel.start(CHECK_WORDS, plan.ready);
    try {
      const checked = await invokeWithProgress('import_check', { importId: plan.id }, (p) => this.panel.progress(p));
      this.panel.finish(null);
      this.#setRunning(false);
      this.#show(checked);
      this.panel.hide();
      // The first row that needs a decision, in view.
      const first = this.tbody.querySelector('tr:has(input[data-line]), tr[data-outcome="invalid"]');
      if (first) first.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      this.#setRunning(false);
      this.#failed(err);
    }
  }

  async #run() {
    const plan = this.plan;
    if (this.running || !plan) return;
    /** @type {Record<string, string>} */
    const trust = {};
    for (const [line, sha] of this.trust) trust[String(line)] = sha;
    const left = plan.rows.filter((r) => r.outcome === 'pending' || r.outcome === 'held for review' || r.outcome === 'failed' || r.outcome === 'not imported').length;
    this.#setRunning(true);
    this.panel.start(RUN_WORDS, left);
    try {
      const done = await invokeWithProgress('import_run', { importId: plan.id, trust }, (p) => this.panel.progress(p));
      this.ran = true;
      this.panel.finish(null);
      this.#setRunning(false);
      this.trust = new Map();
      this.#show(done);
      this.#setStep('done');
      const added = done.rows.filter((r) => r.outcome === 'added').length;
      if (added) showToast(`${plural(added, 'customer', 'customers')} imported.`);
    } catch (err) {
      this.#setRunning(false);
      this.#failed(err);
    }
  }

  /** @param {unknown} err */
  #failed(err) {
    routeError(err, {
      forbidden: (e) => this.#closeWith(e),
      // The pending import expired (an hour) or was replaced: start over with the file.
      not_found: (e) => {
        this.panel.fail(e.message);
        this.plan = null;
        this.ran = false;
        this.#setStep('choose');
      },
      other: (e) => this.panel.fail(e.message),
    });
  }

  async #download() {
    if (!this.plan) return;
    await whileBusy(this.downloadBtn, undefined, async () => {
      try {
        const res = await invoke('export_import_result', { importId: /** @type {ImportPlan} */ (this.plan).id });
        byId('import-saved').textContent = `Result saved to ${res.path}`;
      } catch (err) {
        routeError(err, { other: (e) => { this.formError.textContent = `Could not save the result: ${e.message}`; } });
      }
    });
  }

  #trustAll() {
    for (const box of this.tbody.querySelectorAll('input[data-line]')) {
      const b = /** @type {HTMLInputElement} */ (box);
      if (!b.checked && !b.disabled) {
        b.checked = true;
        this.trust.set(Number(b.dataset.line), b.dataset.sha256 ?? '');
      }
    }
    this.#renderButtons();
  }

  /** @param {import('../api.js').ApiError} err */
  #closeWith(err) {
    this.running = false;
    this.modal.close();
    toastMessage(err);
  }

  // ---------------------------------------------------------------- the report

  /** @param {ImportPlan} plan */
  #show(plan) {
    this.plan = plan;
    const rows = plan.rows;
    const count = (/** @type {ImportRow['outcome']} */ o) => rows.filter((r) => r.outcome === o).length;
    const summary = byId('import-summary');
    if (this.ran || rows.some((r) => r.outcome === 'added')) {
      summary.textContent = `${plural(rows.length, 'row', 'rows')}: ` + [
        `${formatCount(count('added'))} added`,
        count('held for review') ? `${formatCount(count('held for review'))} held for review (certificate not trusted)` : '',
        count('failed') ? `${formatCount(count('failed'))} failed` : '',
        count('not imported') ? `${formatCount(count('not imported'))} not imported` : '',
        plan.skipped ? `${formatCount(plan.skipped)} already integrated` : '',
        plan.invalid ? `${formatCount(plan.invalid)} with a problem` : '',
      ].filter(Boolean).join(' · ');
    } else {
      summary.textContent = `${plural(rows.length, 'row', 'rows')}: ` + [
        `${formatCount(plan.ready)} ready to import`,
        plan.skipped ? `${formatCount(plan.skipped)} already integrated (skipped)` : '',
        plan.invalid ? `${formatCount(plan.invalid)} with a problem (not imported; fix the file and choose it again)` : '',
      ].filter(Boolean).join(' · ');
    }
    summary.dataset.kind = plan.invalid || count('failed') || count('held for review') ? 'warn' : 'good';
    const ignored = byId('import-ignored');
    ignored.hidden = !plan.ignoredColumns.length;
    ignored.textContent = plan.ignoredColumns.length ? `Columns ignored: ${plan.ignoredColumns.join(', ')}.` : '';
    // Every row that needs a look, and the first others in the file's order.
    let ordinary = 0;
    const shown = rows.filter((r) => needsLook(r) || ordinary++ < ORDINARY_ROWS_SHOWN);
    const more = rows.length - shown.length;
    byId('import-more').textContent = more > 0 ? `${plural(more, 'more row', 'more rows')} with nothing to look at ${this.ran ? '(Download result lists every row)' : ''} not listed.` : '';
    this.tbody.replaceChildren(...shown.map((r) => this.#row(r)));
    byId('import-saved').textContent = '';
    this.#renderButtons();
  }

  /** @param {ImportRow} r */
  #row(r) {
    const cleartext = r.allowCleartext && r.connectionType.toUpperCase() === 'HTTP';
    return el('tr', { 'data-line': String(r.line), 'data-outcome': r.outcome },
      el('td', { class: 'import-line', text: String(r.line) }),
      el('td', { class: 'import-name', text: r.name || '—', title: r.name }),
      el('td', { class: 'import-server', text: r.server ? `${r.server}:${r.port}` : '—', title: `${r.server}:${r.port}` }),
      el('td', { class: 'import-type' }, r.connectionType || '—',
        cleartext ? el('span', { class: 'import-cleartext', text: 'unencrypted', title: 'The admin credentials go to this server unencrypted (HTTP), as the file says' }) : null),
      el('td', { class: 'import-tags', text: r.tags.join(', '), title: r.tags.join(', ') }),
      el('td', { class: 'import-result' }, ...this.#result(r)));
  }

  /** What the row says: its problems, its outcome, its certificate. @param {ImportRow} r */
  #result(r) {
    /** @type {Node[]} */
    const out = [];
    const problems = Object.entries(r.problems || {});
    switch (r.outcome) {
      case 'invalid':
        out.push(el('ul', { class: 'import-problems' }, ...problems.map(([field, m]) => {
          const value = shownValue(r, field);
          return el('li', {}, m, value ? el('span', { class: 'import-value', text: ` (the file says “${value}”)` }) : null);
        })));
        break;
      case 'skipped':
        out.push(el('p', { class: 'import-note', text: r.note || 'Already integrated: skipped.' }));
        break;
      case 'added':
        out.push(el('p', { class: 'import-outcome', 'data-kind': 'good', text: 'Added' }));
        break;
      case 'held for review':
        out.push(el('p', { class: 'import-outcome', 'data-kind': 'warn', text: 'Held for review: this computer does not trust its certificate.' }));
        break;
      case 'failed':
        out.push(el('p', { class: 'import-outcome', 'data-kind': 'bad', text: `Failed: ${r.problems.import || 'not added'}` }));
        break;
      case 'not imported':
        out.push(el('p', { class: 'import-outcome', 'data-kind': 'warn', text: 'Not imported (cancelled)' }));
        break;
      default:
        out.push(el('p', { class: 'import-outcome', text: 'Ready' }));
        break;
    }
    const check = r.check;
    if (check && check.problem && r.outcome === 'pending') {
      out.push(el('p', { class: 'import-check-problem', text: `Check: ${check.problem}` }));
    }
    if (check && check.certificate && (r.outcome === 'pending' || r.outcome === 'held for review')) {
      const trusted = !check.untrustedBecause;
      out.push(el('div', { class: 'import-cert' },
        el('p', { class: 'import-cert-label', text: `Certificate SHA-256${check.certificate.selfSigned ? ' (self-signed)' : ''}` }),
        el('p', { class: 'mono import-fingerprint', dataset: { sha256: check.certificate.sha256 } }, ...fingerprintLines(check.certificate.sha256, 8)),
        el('p', { class: trusted ? 'import-cert-trusted' : 'import-cert-untrusted', text: trusted ? 'This computer trusts it.' : `Not trusted by this computer: ${check.untrustedBecause}` })));
    } else if (r.outcome === 'held for review' && r.heldSha256) {
      out.push(el('div', { class: 'import-cert' },
        el('p', { class: 'import-cert-label', text: 'Certificate SHA-256' }),
        el('p', { class: 'mono import-fingerprint', dataset: { sha256: r.heldSha256 } }, ...fingerprintLines(r.heldSha256, 8))));
    }
    const sha = trustable(r);
    if (sha) {
      const id = `import-trust-${r.line}`;
      out.push(el('label', { class: 'check import-trust', for: id },
        el('input', { id, type: 'checkbox', 'data-line': String(r.line), 'data-sha256': sha, checked: this.trust.has(r.line) }),
        'Trust this certificate'));
    }
    return out;
  }
}
