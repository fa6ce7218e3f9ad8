// @ts-check
// Settings › Monitoring (#monitoring-form): get_monitor_settings / update_monitor_settings,
// including when the console doubts its own connectivity (the share of customers failing
// together, and an optional probe address).
// Operators and guests see it read-only (#mon-readonly-note; the core refuses anyway). Owns that
// form; must never overwrite what the user is editing with a fetched copy.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';

/** @import { Field } from '../lib/form.js' */
/** @import { Store } from '../store.js' */
/** @import { MonitorSettings } from '../types' */

/** The number fields: MonitorSettings key -> input id; the error element is #mon-<key>-error. */
const NUMBER_FIELDS = {
  intervalSecs: 'mon-interval',
  retrySecs: 'mon-retry',
  failuresToDown: 'mon-failures',
  successesToUp: 'mon-successes',
  reminderMinutes: 'mon-reminder',
  retentionDays: 'mon-retention',
  offlineSharePercent: 'mon-offline-share',
};
/** @typedef {keyof typeof NUMBER_FIELDS} NumberKey */
const KEYS = /** @type {NumberKey[]} */ (Object.keys(NUMBER_FIELDS));
const WHOLE = /^\d+$/;
const SAVE_BUSY = { busy: 'Saving…', idle: 'Save' };

/** @param {string} raw @returns {number | null} the whole number typed, null when it is not one */
function wholeNumber(raw) {
  const n = parseInt(raw, 10);
  return WHOLE.test(raw) && Number.isSafeInteger(n) ? n : null;
}

export class MonitoringView {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.form = byId('monitoring-form', HTMLFormElement);
    this.save = byId('mon-save', HTMLButtonElement);
    this.notifications = byId('mon-notifications', HTMLInputElement);
    this.probe = byId('mon-probe', HTMLInputElement);
    this.loading = byId('mon-loading');
    /** @type {Record<string, Field>} */
    const fields = {};
    for (const key of KEYS) fields[key] = { input: this.input(key), error: byId(`mon-${key}-error`) };
    fields.probeAddress = { input: this.probe, error: byId('mon-probeAddress-error') };
    this.errors = FieldErrors.of(byId('mon-form-error'), fields);
    this.errors.clearOnEdit();
    this.loads = new LatestReply();
    this.dirty = false; // edited since the last fill: a fetch must not overwrite it
    this.busy = false;
    this.readOnly = false;
    this.#wire();
  }

  /** @param {NumberKey} key */
  input(key) {
    return byId(NUMBER_FIELDS[key], HTMLInputElement);
  }

  #wire() {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#submit();
    });
    for (const key of KEYS) {
      this.input(key).addEventListener('input', () => {
        this.dirty = true;
        if (key === 'failuresToDown' || key === 'retrySecs') this.#updateExplain();
      });
    }
    this.notifications.addEventListener('change', () => { this.dirty = true; });
    this.probe.addEventListener('input', () => { this.dirty = true; });
    this.store.on('session-changed', () => this.#applyRole());
  }

  /** Each time the page is shown: fetch, unless the user has unsaved edits. */
  shown() {
    this.#applyRole();
    if (this.busy) return;
    if (!this.dirty) this.#load();
  }

  /** Forgets everything (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.#setBusy(false);
    this.form.reset();
    this.errors.clear();
    this.loading.hidden = true;
    this.dirty = false;
    this.#updateExplain();
  }

  /** Operators and guests: read-only. */
  #applyRole() {
    this.readOnly = !!this.store.session && !this.store.isAdmin;
    byId('mon-readonly-note').hidden = !this.readOnly;
    this.#setBusy(this.busy);
  }

  /** @param {boolean} on */
  #setBusy(on) {
    this.busy = on;
    setBusy(this.save, on, SAVE_BUSY);
    for (const key of KEYS) this.input(key).readOnly = on || this.readOnly;
    this.notifications.disabled = on || this.readOnly;
    this.probe.readOnly = on || this.readOnly;
  }

  /** The sentence above the form quotes the failures and retry values as typed. */
  #updateExplain() {
    const quote = (/** @type {NumberKey} */ key, /** @type {string} */ placeholder) => {
      const raw = this.input(key).value.trim();
      return WHOLE.test(raw) ? String(parseInt(raw, 10)) : placeholder;
    };
    byId('mon-explain-failures').textContent = quote('failuresToDown', 'N');
    byId('mon-explain-retry').textContent = quote('retrySecs', 'R');
  }

  /** @param {MonitorSettings} settings */
  #fill(settings) {
    for (const key of KEYS) {
      const v = settings[key];
      this.input(key).value = v === null || v === undefined ? '' : String(v);
    }
    this.notifications.checked = settings.notifications === true;
    this.probe.value = settings.probeAddress ?? '';
    this.dirty = false;
    this.#updateExplain();
  }

  async #load() {
    const current = this.loads.begin();
    this.loading.hidden = false;
    this.form.setAttribute('aria-busy', 'true');
    try {
      const settings = await invoke('get_monitor_settings');
      if (!current()) return;
      if (!this.dirty) this.#fill(settings);
      this.errors.formError.textContent = '';
    } catch (err) {
      if (!current()) return;
      const show = (/** @type {string} */ text) => { this.errors.formError.textContent = text; };
      routeError(err, {
        forbidden: (e) => show(e.message),
        other: (e) => show(`Could not load the monitoring settings: ${e.message}`),
      });
    } finally {
      if (current()) {
        this.loading.hidden = true;
        this.form.removeAttribute('aria-busy');
      }
    }
  }

  /** Whole numbers only here; the ranges are the core's to check. */
  #read() {
    /** @type {Record<string, string>} */
    const errors = {};
    /** @type {Partial<MonitorSettings>} */
    const settings = { notifications: this.notifications.checked, probeAddress: this.probe.value.trim() };
    for (const key of KEYS) {
      const n = wholeNumber(this.input(key).value.trim());
      if (n === null) errors[key] = 'Enter a whole number.';
      else settings[key] = n;
    }
    return { settings: /** @type {MonitorSettings} */ (settings), errors };
  }

  async #submit() {
    if (this.busy || this.readOnly) return;
    this.errors.clear();
    const { settings, errors } = this.#read();
    if (Object.keys(errors).length) {
      this.errors.show(errors);
      return;
    }
    this.#setBusy(true);
    this.loads.invalidate(); // a load still running must not overwrite what is being saved
    this.loading.hidden = true;
    try {
      const saved = await invoke('update_monitor_settings', { settings });
      this.#setBusy(false);
      this.#fill(saved || settings);
      showToast('Monitoring settings saved.');
    } catch (err) {
      this.#setBusy(false);
      routeError(err, {
        validation: (e) => this.errors.show(e.fields, e.message),
        forbidden: toastMessage,
        other: (e) => { this.errors.formError.textContent = e.message; },
      });
      if (this.errors.formError.textContent) this.errors.formError.scrollIntoView({ block: 'nearest' });
    }
  }
}
