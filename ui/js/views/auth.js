// @ts-check
// The first-run "Create administrator" screen and the login screen. Owns their forms; must
// never decide which screen comes next (main.js does, through the callbacks).
import { invoke, toApiError } from '../api.js';
import { byId } from '../lib/dom.js';
import { setBusy } from '../lib/busy.js';
import { FieldErrors } from '../lib/form.js';

/** @import { Session } from '../types' */
/**
 * @typedef {{
 *   onAuthenticated: (session: Session) => void,
 *   onNeedSetup: () => void,
 *   onNeedLogin: (notice: string) => void,
 * }} AuthRoutes  what to do after a setup or login, or when the core says the other screen is due
 */

const MIN_PASSWORD = 10;
const SETUP_BUSY = { busy: 'Creating administrator…', idle: 'Create administrator' };
const LOGIN_BUSY = { busy: 'Logging in…', idle: 'Log in' };

/** @param {string} id */
const input = (id) => byId(id, HTMLInputElement);

/** @type {FieldErrors} */
let setupErrors;

/** @param {AuthRoutes} routes */
export function initAuth(routes) {
  setupErrors = FieldErrors.of(byId('setup-error'), {
    username: { input: input('setup-username'), error: byId('setup-username-error') },
    password: { input: input('setup-password'), error: byId('setup-password-error') },
    confirmPassword: { input: input('setup-confirm'), error: byId('setup-confirm-error') },
  });
  setupErrors.clearOnEdit();
  const setupForm = byId('setup-form', HTMLFormElement);
  setupForm.addEventListener('submit', (e) => {
    e.preventDefault();
    createAdmin(setupForm, routes);
  });
  byId('login-form', HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    logIn(routes);
  });
}

/**
 * The form's own checks, before anything goes to the core.
 * @param {string} username
 * @param {string} password
 * @param {string} confirmPassword
 */
function checkSetup(username, password, confirmPassword) {
  /** @type {Record<string, string>} */
  const errors = {};
  if (!username) errors.username = 'Username is required.';
  if (password.length < MIN_PASSWORD) errors.password = `Password must be at least ${MIN_PASSWORD} characters.`;
  if (!confirmPassword) errors.confirmPassword = 'Confirm the password.';
  else if (password !== confirmPassword) errors.confirmPassword = 'Passwords do not match.';
  return errors;
}

/**
 * @param {HTMLFormElement} form
 * @param {AuthRoutes} routes
 */
async function createAdmin(form, routes) {
  const submit = byId('setup-submit', HTMLButtonElement);
  if (submit.disabled) return;
  setupErrors.clear();
  const username = input('setup-username').value.trim();
  const password = input('setup-password').value;
  const confirmPassword = input('setup-confirm').value;
  const errors = checkSetup(username, password, confirmPassword);
  if (Object.keys(errors).length) {
    setupErrors.show(errors);
    return;
  }
  setBusy(submit, true, SETUP_BUSY);
  try {
    const session = await invoke('create_admin', { input: { username, password, confirmPassword } });
    form.reset();
    routes.onAuthenticated(session);
  } catch (raw) {
    // No session yet, so no `locked` here: every answer is about this form.
    const err = toApiError(raw);
    if (err.code === 'validation' && Object.keys(err.fields).length) {
      setupErrors.show(err.fields, err.message);
    } else if (err.code === 'already_set_up') {
      form.reset();
      routes.onNeedLogin(err.message);
    } else {
      setupErrors.formError.textContent = err.message;
    }
  } finally {
    setBusy(submit, false, SETUP_BUSY);
  }
}

/** @param {AuthRoutes} routes */
async function logIn(routes) {
  const submit = byId('login-submit', HTMLButtonElement);
  const loginError = byId('login-error');
  if (submit.disabled) return;
  loginError.textContent = '';
  const username = input('login-username').value.trim();
  const passwordInput = input('login-password');
  const password = passwordInput.value;
  if (!username || !password) {
    loginError.textContent = 'Enter your username and password.';
    (username ? passwordInput : input('login-username')).focus();
    return;
  }
  setBusy(submit, true, LOGIN_BUSY);
  try {
    const session = await invoke('login', { username, password });
    passwordInput.value = '';
    byId('login-notice').textContent = '';
    routes.onAuthenticated(session);
  } catch (raw) {
    passwordInput.value = '';
    const err = toApiError(raw);
    if (err.code === 'setup_required') {
      routes.onNeedSetup();
    } else {
      loginError.textContent = err.message;
      passwordInput.focus();
    }
  } finally {
    setBusy(submit, false, LOGIN_BUSY);
  }
}

/** Empties both forms and their messages (on lock, logout or a screen change). */
export function resetAuthForms() {
  byId('setup-form', HTMLFormElement).reset();
  setupErrors.clear();
  input('login-password').value = '';
  byId('login-error').textContent = '';
}

export function focusSetup() {
  input('setup-username').focus();
}

/** @param {string} [notice]  why the login screen shows (e.g. the idle lock) */
export function focusLogin(notice = '') {
  byId('login-notice').textContent = notice || '';
  const user = input('login-username');
  (user.value ? input('login-password') : user).focus();
}
