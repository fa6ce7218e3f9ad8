// Settings › Monitoring (#monitoring-page, #monitoring-form):
// get_monitor_settings / update_monitor_settings {settings}; the "Data sync"
// section (#sync-form): get_sync_settings / update_sync_settings {settings}.
// Operators and guests see both read-only (#mon-readonly-note).
import { invoke } from '../api.js';
import { byId, setFieldError } from '../dom.js';
import { showToast } from './toast.js';

// MonitorSettings key -> input id. Error element is #mon-<key>-error.
const NUMBER_FIELDS = {
  intervalSecs: 'mon-interval',
  retrySecs: 'mon-retry',
  failuresToDown: 'mon-failures',
  successesToUp: 'mon-successes',
  reminderMinutes: 'mon-reminder',
  retentionDays: 'mon-retention',
};
const WHOLE = /^\d+$/;

export function initMonitoring(store) {
  const form = byId('monitoring-form');
  const save = byId('mon-save');
  const notifications = byId('mon-notifications');
  const formError = byId('mon-form-error');
  const loading = byId('mon-loading');
  const explainFailures = byId('mon-explain-failures');
  const explainRetry = byId('mon-explain-retry');

  const input = (key) => byId(NUMBER_FIELDS[key]);
  const errorEl = (key) => byId(`mon-${key}-error`);

  let loaded = false;
  let dirty = false;
  let busy = false;
  let seq = 0;
  let readOnly = false;
  const syncSettings = initSyncSettings(store);

  function clearErrors() {
    for (const key of Object.keys(NUMBER_FIELDS)) setFieldError(input(key), errorEl(key), '');
    formError.textContent = '';
  }

  function setBusy(on) {
    busy = on;
    save.disabled = on;
    save.setAttribute('aria-busy', on ? 'true' : 'false');
    save.textContent = on ? 'Saving…' : 'Save';
    for (const key of Object.keys(NUMBER_FIELDS)) input(key).readOnly = on || readOnly;
    notifications.disabled = on || readOnly;
  }

  function updateExplain() {
    const f = input('failuresToDown').value.trim();
    const r = input('retrySecs').value.trim();
    explainFailures.textContent = WHOLE.test(f) ? String(parseInt(f, 10)) : 'N';
    explainRetry.textContent = WHOLE.test(r) ? String(parseInt(r, 10)) : 'R';
  }

  function fill(settings) {
    const st = settings || {};
    for (const key of Object.keys(NUMBER_FIELDS)) {
      const v = st[key];
      input(key).value = v === null || v === undefined ? '' : String(v);
    }
    notifications.checked = st.notifications === true;
    dirty = false;
    updateExplain();
  }

  async function load() {
    const mine = ++seq;
    loading.hidden = false;
    form.setAttribute('aria-busy', 'true');
    try {
      const settings = await invoke('get_monitor_settings');
      if (mine !== seq) return;
      if (!dirty) fill(settings);
      loaded = true;
      formError.textContent = '';
    } catch (err) {
      if (mine !== seq || err.code === 'locked') return;
      formError.textContent = err.code === 'forbidden'
        ? err.message
        : `Could not load the monitoring settings: ${err.message}`;
    } finally {
      if (mine === seq) {
        loading.hidden = true;
        form.removeAttribute('aria-busy');
      }
    }
  }

  /** Client side: whole numbers only; ranges are the backend's. */
  function read() {
    const errors = {};
    const settings = {};
    for (const key of Object.keys(NUMBER_FIELDS)) {
      const raw = input(key).value.trim();
      if (!WHOLE.test(raw) || !Number.isSafeInteger(parseInt(raw, 10))) errors[key] = 'Enter a whole number.';
      else settings[key] = parseInt(raw, 10);
    }
    settings.notifications = notifications.checked;
    return { settings, errors };
  }

  function showFieldErrors(fields, fallback) {
    let first = null;
    const other = [];
    for (const [key, msg] of Object.entries(fields || {})) {
      if (NUMBER_FIELDS[key]) {
        setFieldError(input(key), errorEl(key), msg);
        first = first || input(key);
      } else {
        other.push(msg);
      }
    }
    if (other.length) formError.textContent = other.join(' ');
    else if (!first && fallback) formError.textContent = fallback;
    if (first) first.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy || readOnly) return;
    clearErrors();
    const { settings, errors } = read();
    if (Object.keys(errors).length) {
      showFieldErrors(errors);
      return;
    }
    setBusy(true);
    seq += 1; // a load still running must not overwrite what is being saved
    loading.hidden = true;
    try {
      const saved = await invoke('update_monitor_settings', { settings });
      setBusy(false);
      fill(saved || settings);
      loaded = true;
      showToast('Monitoring settings saved.');
    } catch (err) {
      setBusy(false);
      if (err.code === 'locked') return;
      if (err.code === 'validation') {
        showFieldErrors(err.fields, err.message);
      } else if (err.code === 'forbidden') {
        showToast(err.message, 'error');
      } else {
        formError.textContent = err.message; // e.g. forbidden: not an administrator
      }
      if (formError.textContent) formError.scrollIntoView({ block: 'nearest' });
    }
  });

  for (const key of Object.keys(NUMBER_FIELDS)) {
    input(key).addEventListener('input', () => {
      dirty = true;
      setFieldError(input(key), errorEl(key), '');
      if (key === 'failuresToDown' || key === 'retrySecs') updateExplain();
    });
  }
  notifications.addEventListener('change', () => { dirty = true; });

  /** Operators and guests: the page is read-only (the backend refuses anyway). */
  function applyRole() {
    readOnly = !!store.session && !store.isAdmin;
    byId('mon-readonly-note').hidden = !readOnly;
    setBusy(busy);
  }
  store.addEventListener('session-changed', applyRole);

  return {
    /** Called each time the page is shown: fetch unless the user has unsaved edits. */
    shown() {
      applyRole();
      syncSettings.shown();
      if (busy) return;
      if (!dirty) load();
    },
    reset() {
      seq += 1;
      setBusy(false);
      form.reset();
      clearErrors();
      loading.hidden = true;
      loaded = false;
      dirty = false;
      updateExplain();
      syncSettings.reset();
    },
    get loaded() { return loaded; },
  };
}

/** "Data sync" (#sync-form): intervalMinutes, 1–1440 (range checked by the backend). */
function initSyncSettings(store) {
  const form = byId('sync-form');
  const field = byId('sync-interval');
  const fieldError = byId('sync-intervalMinutes-error');
  const formError = byId('sync-form-error');
  const save = byId('sync-save');
  const loading = byId('sync-loading');
  let busy = false;
  let dirty = false;
  let seq = 0;

  const readOnly = () => !!store.session && !store.isAdmin;

  function setBusy(on) {
    busy = on;
    save.disabled = on;
    save.setAttribute('aria-busy', on ? 'true' : 'false');
    save.textContent = on ? 'Saving…' : 'Save';
    field.readOnly = on || readOnly();
  }

  function clearErrors() {
    setFieldError(field, fieldError, '');
    formError.textContent = '';
  }

  function fill(settings) {
    const v = settings && settings.intervalMinutes;
    field.value = v === null || v === undefined ? '' : String(v);
    dirty = false;
  }

  async function load() {
    const mine = ++seq;
    loading.hidden = false;
    try {
      const settings = await invoke('get_sync_settings');
      if (mine !== seq) return;
      if (!dirty) fill(settings);
      formError.textContent = '';
    } catch (err) {
      if (mine !== seq || err.code === 'locked') return;
      formError.textContent = `Could not load the sync settings: ${err.message}`;
    } finally {
      if (mine === seq) loading.hidden = true;
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy || readOnly()) return;
    clearErrors();
    const raw = field.value.trim();
    if (!WHOLE.test(raw) || !Number.isSafeInteger(parseInt(raw, 10))) {
      setFieldError(field, fieldError, 'Enter a whole number.');
      field.focus();
      return;
    }
    const settings = { intervalMinutes: parseInt(raw, 10) };
    seq += 1;
    loading.hidden = true;
    setBusy(true);
    try {
      const saved = await invoke('update_sync_settings', { settings });
      setBusy(false);
      fill(saved || settings);
      showToast('Sync settings saved.');
    } catch (err) {
      setBusy(false);
      if (err.code === 'locked') return;
      if (err.code === 'forbidden') {
        showToast(err.message, 'error');
      } else if (err.code === 'validation' && err.fields && err.fields.intervalMinutes) {
        setFieldError(field, fieldError, err.fields.intervalMinutes);
        field.focus();
      } else {
        formError.textContent = err.message;
      }
    }
  });

  field.addEventListener('input', () => {
    dirty = true;
    setFieldError(field, fieldError, '');
  });

  return {
    shown() {
      setBusy(busy);
      if (!busy && !dirty) load();
    },
    reset() {
      seq += 1;
      setBusy(false);
      form.reset();
      clearErrors();
      loading.hidden = true;
      dirty = false;
    },
  };
}
