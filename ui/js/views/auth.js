// Setup ("Create administrator") and login screens.
import { invoke } from '../api.js';
import { byId, setFieldError } from '../dom.js';

const MIN_PASSWORD = 10;

const SETUP_FIELDS = {
  username: ['setup-username', 'setup-username-error'],
  password: ['setup-password', 'setup-password-error'],
  confirmPassword: ['setup-confirm', 'setup-confirm-error'],
};

function setupField(key) {
  const [inputId, errorId] = SETUP_FIELDS[key];
  return { input: byId(inputId), error: byId(errorId) };
}

function clearSetupErrors() {
  for (const key of Object.keys(SETUP_FIELDS)) {
    const { input, error } = setupField(key);
    setFieldError(input, error, '');
  }
  byId('setup-error').textContent = '';
}

function setBusy(button, busy, busyText, idleText) {
  button.disabled = busy;
  button.textContent = busy ? busyText : idleText;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
}

/**
 * onAuthenticated(session) is called after a successful setup or login.
 * onNeedSetup() / onNeedLogin() switch screens when the backend says so.
 */
export function initAuth({ onAuthenticated, onNeedSetup, onNeedLogin }) {
  // --- Create administrator ---
  const setupForm = byId('setup-form');
  const setupSubmit = byId('setup-submit');
  setupForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (setupSubmit.disabled) return;
    clearSetupErrors();
    const username = byId('setup-username').value.trim();
    const password = byId('setup-password').value;
    const confirmPassword = byId('setup-confirm').value;

    const errors = {};
    if (!username) errors.username = 'Username is required.';
    if (password.length < MIN_PASSWORD) errors.password = `Password must be at least ${MIN_PASSWORD} characters.`;
    if (!confirmPassword) errors.confirmPassword = 'Confirm the password.';
    else if (password !== confirmPassword) errors.confirmPassword = 'Passwords do not match.';
    if (Object.keys(errors).length) {
      showSetupErrors(errors);
      return;
    }

    setBusy(setupSubmit, true, 'Creating administrator…', 'Create administrator');
    try {
      const session = await invoke('create_admin', { input: { username, password, confirmPassword } });
      setupForm.reset();
      onAuthenticated(session || { username });
    } catch (err) {
      if (err.code === 'validation' && Object.keys(err.fields).length) {
        showSetupErrors(err.fields, err.message);
      } else if (err.code === 'already_set_up') {
        setupForm.reset();
        onNeedLogin(err.message);
      } else {
        byId('setup-error').textContent = err.message;
      }
    } finally {
      setBusy(setupSubmit, false, '', 'Create administrator');
    }
  });

  function showSetupErrors(fields, fallback) {
    let first = null;
    let unmatched = [];
    for (const [key, msg] of Object.entries(fields)) {
      if (SETUP_FIELDS[key]) {
        const { input, error } = setupField(key);
        setFieldError(input, error, msg);
        first = first || input;
      } else {
        unmatched.push(msg);
      }
    }
    if (unmatched.length) byId('setup-error').textContent = unmatched.join(' ');
    else if (!first && fallback) byId('setup-error').textContent = fallback;
    if (first) first.focus();
  }

  // Clear a field's error as soon as the user edits it.
  for (const key of Object.keys(SETUP_FIELDS)) {
    const { input, error } = setupField(key);
    input.addEventListener('input', () => setFieldError(input, error, ''));
  }

  // --- Log in ---
  const loginForm = byId('login-form');
  const loginSubmit = byId('login-submit');
  const loginError = byId('login-error');
  loginForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (loginSubmit.disabled) return;
    loginError.textContent = '';
    const username = byId('login-username').value.trim();
    const passwordInput = byId('login-password');
    const password = passwordInput.value;
    if (!username || !password) {
      loginError.textContent = 'Enter your username and password.';
      (username ? passwordInput : byId('login-username')).focus();
      return;
    }
    setBusy(loginSubmit, true, 'Logging in…', 'Log in');
    try {
      const session = await invoke('login', { username, password });
      passwordInput.value = '';
      byId('login-notice').textContent = '';
      onAuthenticated(session || { username });
    } catch (err) {
      passwordInput.value = '';
      if (err.code === 'setup_required') {
        onNeedSetup();
      } else {
        loginError.textContent = err.message;
        passwordInput.focus();
      }
    } finally {
      setBusy(loginSubmit, false, '', 'Log in');
    }
  });
}

export function resetAuthForms() {
  byId('setup-form').reset();
  clearSetupErrors();
  byId('login-password').value = '';
  byId('login-error').textContent = '';
}

export function focusSetup() {
  byId('setup-username').focus();
}

export function focusLogin(notice = '') {
  byId('login-notice').textContent = notice || '';
  const user = byId('login-username');
  (user.value ? byId('login-password') : user).focus();
}
