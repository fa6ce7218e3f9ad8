// @ts-check
// Settings › Security › "Network" (#network-form): whether customer connections go through a
// proxy (get_network_settings / update_network_settings): "No proxy" (the default: the admin
// credentials never pass a proxy unless chosen here), "The system's proxy settings", or "This
// proxy:" with its URL. The URL's rules are the core's to check. Owns that form; must never
// overwrite what the user is editing with a fetched copy.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';

/** @import { Store } from '../store.js' */
/** @import { NetworkSettings } from '../types' */
/** @typedef {NetworkSettings['proxy']} ProxyChoice */

const SAVE_BUSY = { busy: 'Saving…', idle: 'Save' };
/** @type {ProxyChoice[]} */
const CHOICES = ['none', 'system', 'url'];

export class NetworkSettingsView {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.form = byId('network-form', HTMLFormElement);
    this.save = byId('net-save', HTMLButtonElement);
    this.loading = byId('net-loading');
    this.radios = CHOICES.map((c) => byId(`net-proxy-${c}`, HTMLInputElement));
    this.url = byId('net-proxy-url-input', HTMLInputElement);
    this.errors = FieldErrors.of(byId('net-form-error'), {
      proxy: { input: this.radios[0], error: byId('net-proxy-error') },
      proxyUrl: { input: this.url, error: byId('net-proxyUrl-error') },
    });
    this.errors.clearOnEdit();
    this.loads = new LatestReply();
    this.busy = false;
    this.dirty = false;
    this.#wire();
  }

  #wire() {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#submit();
    });
    this.form.addEventListener('change', () => {
      this.dirty = true;
      this.errors.clearField('proxy');
      this.#syncUrl();
    });
    // Typing a URL chooses "This proxy:".
    this.url.addEventListener('input', () => {
      this.dirty = true;
      if (this.#choice() !== 'url') {
        this.radios[2].checked = true;
        this.errors.clearField('proxy');
        this.#syncUrl();
      }
    });
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
    this.errors.clear();
    this.loading.hidden = true;
    this.dirty = false;
    this.#syncUrl();
  }

  /** @returns {ProxyChoice} */
  #choice() {
    const on = this.radios.find((r) => r.checked);
    return on ? /** @type {ProxyChoice} */ (on.value) : 'none';
  }

  /** The URL matters only for "This proxy:". */
  #syncUrl() {
    this.form.dataset.proxy = this.#choice();
  }

  /** @param {boolean} on */
  #setBusy(on) {
    this.busy = on;
    setBusy(this.save, on, SAVE_BUSY);
    for (const r of this.radios) r.disabled = on;
    this.url.readOnly = on;
  }

  /** @param {NetworkSettings} settings */
  #fill(settings) {
    const choice = CHOICES.includes(settings.proxy) ? settings.proxy : 'none';
    for (const r of this.radios) r.checked = r.value === choice;
    this.url.value = settings.proxyUrl ?? '';
    this.dirty = false;
    this.#syncUrl();
  }

  async #load() {
    const current = this.loads.begin();
    this.loading.hidden = false;
    try {
      const settings = await invoke('get_network_settings');
      if (!current()) return;
      if (!this.dirty) this.#fill(settings);
      this.errors.formError.textContent = '';
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        other: (e) => { this.errors.formError.textContent = `Could not load the network settings: ${e.message}`; },
      });
    } finally {
      if (current()) this.loading.hidden = true;
    }
  }

  async #submit() {
    if (this.busy) return;
    this.errors.clear();
    /** @type {NetworkSettings} */
    const settings = { proxy: this.#choice(), proxyUrl: this.url.value.trim() };
    this.loads.invalidate(); // a load still running must not overwrite what is being saved
    this.loading.hidden = true;
    this.#setBusy(true);
    try {
      const saved = await invoke('update_network_settings', { settings });
      this.#setBusy(false);
      this.#fill(saved);
      showToast('Network settings saved.');
    } catch (err) {
      this.#setBusy(false);
      routeError(err, {
        forbidden: toastMessage,
        validation: (e) => this.errors.show(e.fields, e.message),
        other: (e) => { this.errors.formError.textContent = e.message; },
      });
    }
  }
}
