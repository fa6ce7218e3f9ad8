// @ts-check
// Settings › Monitoring › "Data sync" (#sync-form): how often every customer's data is collected,
// get_sync_settings / update_sync_settings (1–1440 minutes, the range is the core's to check).
// Owns that form; must never overwrite what the user is editing with a fetched copy.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { setFieldError } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';

/** @import { Store } from '../store.js' */
/** @import { SyncSettings } from '../types' */

const WHOLE = /^\d+$/;
const SAVE_BUSY = { busy: 'Saving…', idle: 'Save' };

export class SyncSettingsView {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.form = byId('sync-form', HTMLFormElement);
    this.field = byId('sync-interval', HTMLInputElement);
    this.fieldError = byId('sync-intervalMinutes-error');
    this.formError = byId('sync-form-error');
    this.save = byId('sync-save', HTMLButtonElement);
    this.loading = byId('sync-loading');
    this.loads = new LatestReply();
    this.busy = false;
    this.dirty = false;
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#submit();
    });
    this.field.addEventListener('input', () => {
      this.dirty = true;
      setFieldError(this.field, this.fieldError, '');
    });
  }

  get readOnly() {
    return !!this.store.session && !this.store.isAdmin;
  }

  /** Each time the page is shown: fetch, unless the user has unsaved edits. */
  shown() {
    this.#setBusy(this.busy);
    if (!this.busy && !this.dirty) this.#load();
  }

  /** Forgets everything (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.#setBusy(false);
    this.form.reset();
    this.#clearErrors();
    this.loading.hidden = true;
    this.dirty = false;
  }

  /** @param {boolean} on */
  #setBusy(on) {
    this.busy = on;
    setBusy(this.save, on, SAVE_BUSY);
    this.field.readOnly = on || this.readOnly;
  }

  #clearErrors() {
    setFieldError(this.field, this.fieldError, '');
    this.formError.textContent = '';
  }

  /** @param {SyncSettings} settings */
  #fill(settings) {
    const v = settings && settings.intervalMinutes;
    this.field.value = v === null || v === undefined ? '' : String(v);
    this.dirty = false;
  }

  async #load() {
    const current = this.loads.begin();
    this.loading.hidden = false;
    try {
      const settings = await invoke('get_sync_settings');
      if (!current()) return;
      if (!this.dirty) this.#fill(settings);
      this.formError.textContent = '';
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        other: (e) => { this.formError.textContent = `Could not load the sync settings: ${e.message}`; },
      });
    } finally {
      if (current()) this.loading.hidden = true;
    }
  }

  async #submit() {
    if (this.busy || this.readOnly) return;
    this.#clearErrors();
    const raw = this.field.value.trim();
    const minutes = parseInt(raw, 10);
    if (!WHOLE.test(raw) || !Number.isSafeInteger(minutes)) {
      setFieldError(this.field, this.fieldError, 'Enter a whole number.');
      this.field.focus();
      return;
    }
    const settings = { intervalMinutes: minutes };
    this.loads.invalidate(); // a load still running must not overwrite what is being saved
    this.loading.hidden = true;
    this.#setBusy(true);
    try {
      const saved = await invoke('update_sync_settings', { settings });
      this.#setBusy(false);
      this.#fill(saved || settings);
      showToast('Sync settings saved.');
    } catch (err) {
      this.#setBusy(false);
      routeError(err, {
        forbidden: toastMessage,
        validation: (e) => this.#showError(e.fields.intervalMinutes, e.message),
        other: (e) => { this.formError.textContent = e.message; },
      });
    }
  }

  /**
   * The core's verdict on the interval under the field, anything else in the form error.
   * @param {string | undefined} fieldMessage
   * @param {string} message
   */
  #showError(fieldMessage, message) {
    if (!fieldMessage) {
      this.formError.textContent = message;
      return;
    }
    setFieldError(this.field, this.fieldError, fieldMessage);
    this.field.focus();
  }
}
