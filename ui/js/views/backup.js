// @ts-check
// Settings › Security › "Backup": "Export encrypted backup" (#backup-export-form: a passphrase
// typed twice, export_backup, then where the file was written) and "Restore from backup"
// (#backup-import-form: a backup file read here as text, its passphrase, import_backup, then the
// customers imported and the ones skipped with why). The backup holds the customers' admin
// credentials (encrypted) and their certificate trust. Owns both forms; must never keep a
// passphrase once its call answered, and leaves reloading the customer list to main.js.
import { invoke, toApiError } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { whileBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors, setFieldError } from '../lib/form.js';
import { formatCount } from '../lib/format.js';
import { showToast } from '../lib/toast.js';

/** @import { ImportReport } from '../types' */

/** What the core asks of a passphrase; it checks again. */
const PASSPHRASE_MIN_CHARS = 12;
const EXPORT_BUSY = { busy: 'Encrypting…', idle: 'Export encrypted backup' };
const RESTORE_BUSY = { busy: 'Restoring…', idle: 'Restore from backup' };

/** @param {number} n */
const customers = (n) => (n === 1 ? '1 customer' : `${formatCount(n)} customers`);

export class BackupView {
  /** @param {{ restored: () => void }} hooks  restored: customers were added (reload the list) */
  constructor(hooks) {
    this.hooks = hooks;
    this.exportForm = byId('backup-export-form', HTMLFormElement);
    this.exportBtn = byId('backup-export', HTMLButtonElement);
    this.passphrase = byId('backup-passphrase', HTMLInputElement);
    this.confirm = byId('backup-confirm', HTMLInputElement);
    this.exportErrors = FieldErrors.of(byId('backup-export-error'), {
      passphrase: { input: this.passphrase, error: byId('backup-passphrase-error') },
      confirm: { input: this.confirm, error: byId('backup-confirm-error') },
    });
    this.importForm = byId('backup-import-form', HTMLFormElement);
    this.restoreBtn = byId('restore-submit', HTMLButtonElement);
    this.file = byId('restore-file', HTMLInputElement);
    this.restorePassphrase = byId('restore-passphrase', HTMLInputElement);
    this.importErrors = FieldErrors.of(byId('restore-error'), {
      backup: { input: this.file, error: byId('restore-backup-error') },
      passphrase: { input: this.restorePassphrase, error: byId('restore-passphrase-error') },
    });
    this.exportErrors.clearOnEdit();
    this.importErrors.clearOnEdit();
    this.file.addEventListener('change', () => this.importErrors.clearField('backup'));
    this.exportForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#export();
    });
    this.importForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#restore();
    });
  }

  /** Forgets everything (lock, logout). */
  reset() {
    this.exportForm.reset();
    this.importForm.reset();
    this.exportErrors.clear();
    this.importErrors.clear();
    byId('backup-export-result').hidden = true;
    byId('restore-result').hidden = true;
  }

  /** The passphrase typed twice, checked here first (the core checks its length again). */
  #readPassphrase() {
    const passphrase = this.passphrase.value;
    /** @type {Record<string, string>} */
    const errors = {};
    if ([...passphrase].length < PASSPHRASE_MIN_CHARS) errors.passphrase = `Use a passphrase of at least ${PASSPHRASE_MIN_CHARS} characters.`;
    else if (this.confirm.value !== passphrase) errors.confirm = 'The two passphrases differ.';
    return { passphrase, errors };
  }

  async #export() {
    if (this.exportBtn.disabled) return;
    this.exportErrors.clear();
    byId('backup-export-result').hidden = true;
    const { passphrase, errors } = this.#readPassphrase();
    if (Object.keys(errors).length) {
      this.exportErrors.show(errors);
      return;
    }
    await whileBusy(this.exportBtn, EXPORT_BUSY, async () => {
      try {
        const { path } = await invoke('export_backup', { passphrase });
        this.exportForm.reset();
        byId('backup-export-path').textContent = path;
        const result = byId('backup-export-result');
        result.hidden = false;
        result.scrollIntoView({ block: 'nearest' });
        showToast('Encrypted backup exported.');
      } catch (err) {
        routeError(err, {
          forbidden: toastMessage,
          validation: (e) => this.exportErrors.show(e.fields, e.message),
          other: (e) => { this.exportErrors.formError.textContent = `The backup could not be exported: ${e.message}`; },
        });
      }
    });
  }

  /** The chosen file's text, or null (the reason is shown under the file). */
  async #readFile() {
    const file = this.file.files && this.file.files[0];
    if (!file) {
      this.importErrors.show({ backup: 'Choose the backup file.' });
      return null;
    }
    try {
      return await file.text();
    } catch (e) {
      this.importErrors.show({ backup: `Could not read ${file.name}: ${toApiError(e).message}` });
      return null;
    }
  }

  async #restore() {
    if (this.restoreBtn.disabled) return;
    this.importErrors.clear();
    byId('restore-result').hidden = true;
    const content = await this.#readFile();
    if (content === null) return;
    const passphrase = this.restorePassphrase.value;
    if (!passphrase) {
      setFieldError(this.restorePassphrase, byId('restore-passphrase-error'), 'Enter the passphrase the backup was made with.');
      this.restorePassphrase.focus();
      return;
    }
    await whileBusy(this.restoreBtn, RESTORE_BUSY, async () => {
      try {
        const report = await invoke('import_backup', { content, passphrase });
        this.restorePassphrase.value = '';
        this.#showReport(report);
        if (report.imported.length) this.hooks.restored();
      } catch (err) {
        routeError(err, {
          forbidden: toastMessage,
          validation: (e) => this.importErrors.show(e.fields, e.message),
          other: (e) => { this.importErrors.formError.textContent = `The backup could not be restored: ${e.message}`; },
        });
      }
    });
  }

  /** @param {ImportReport} report */
  #showReport(report) {
    const imported = report.imported ?? [];
    const skipped = report.skipped ?? [];
    byId('restore-summary').textContent = imported.length
      ? `Restored ${customers(imported.length)}${skipped.length ? `; skipped ${customers(skipped.length)}` : ''}.`
      : `Nothing restored${skipped.length ? `: all ${customers(skipped.length)} skipped` : ': the backup holds no customers'}.`;
    byId('restore-imported').replaceChildren(...imported.map((name) => el('li', { text: name })));
    byId('restore-skipped-title').hidden = skipped.length === 0;
    byId('restore-skipped').replaceChildren(...skipped.map((s) => el('li', {},
      el('span', { class: 'restore-name', text: s.name }), ` — ${s.reason}`)));
    const result = byId('restore-result');
    result.dataset.outcome = imported.length ? (skipped.length ? 'partial' : 'ok') : 'none';
    result.hidden = false;
    result.scrollIntoView({ block: 'nearest' });
    showToast(imported.length ? `Restored ${customers(imported.length)} from the backup.` : 'Nothing was restored from the backup.', imported.length ? 'success' : 'info');
  }
}
