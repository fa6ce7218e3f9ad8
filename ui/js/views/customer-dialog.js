// Add Customer / Update Customer dialog (#customer-dialog).
import { invoke } from '../api.js';
import { byId, openDialog, closeDialog, setFieldError, wireDialogClose } from '../dom.js';
import { showToast } from './toast.js';

// Field key (IPC) -> input id. Error element is #cust-<key>-error.
const FIELDS = {
  name: 'cust-name',
  email: 'cust-email',
  server: 'cust-server',
  port: 'cust-port',
  connectionType: 'cust-connection',
  username: 'cust-username',
  password: 'cust-password',
};

export function initCustomerDialog(store) {
  const dialog = byId('customer-dialog');
  const form = byId('customer-form');
  const title = byId('customer-dialog-title');
  const submit = byId('cust-submit');
  const cancel = byId('cust-cancel');
  const formError = byId('cust-form-error');
  const busy = byId('cust-busy');
  const note = byId('cust-credentials-note');

  let mode = 'add';
  let editing = null; // customer being edited
  let running = false;
  let returnFocus = null;

  const input = (key) => byId(FIELDS[key]);
  const errorEl = (key) => byId(`cust-${key}-error`);

  function clearErrors() {
    for (const key of Object.keys(FIELDS)) setFieldError(input(key), errorEl(key), '');
    formError.textContent = '';
  }

  function setRunning(on) {
    running = on;
    submit.disabled = on;
    cancel.disabled = on;
    submit.setAttribute('aria-busy', on ? 'true' : 'false');
    busy.hidden = !on;
    form.classList.toggle('is-busy', on);
    for (const key of Object.keys(FIELDS)) input(key).readOnly = on;
    input('connectionType').disabled = on;
  }

  function readInput() {
    return {
      name: input('name').value.trim(),
      email: input('email').value.trim(),
      server: input('server').value.trim(),
      port: input('port').value.trim(),
      connectionType: input('connectionType').value === 'HTTPS' ? 'HTTPS' : 'HTTP',
      username: input('username').value.trim(),
      password: input('password').value,
    };
  }

  function showErrors(err) {
    const fields = err.fields || {};
    let first = null;
    const other = [];
    for (const [key, msg] of Object.entries(fields)) {
      if (FIELDS[key]) {
        setFieldError(input(key), errorEl(key), msg);
        first = first || input(key);
      } else {
        other.push(msg);
      }
    }
    if (other.length) formError.textContent = other.join(' ');
    else if (!first) formError.textContent = err.message;
    (first || input('name')).focus();
    if (!first) formError.scrollIntoView({ block: 'nearest' });
  }

  function open(newMode, customer, opener) {
    if (running) return;
    mode = newMode;
    editing = customer || null;
    returnFocus = opener || document.activeElement;
    form.reset();
    clearErrors();
    setRunning(false);
    const isEdit = mode === 'edit';
    title.textContent = isEdit ? 'Update Customer' : 'Add Customer';
    submit.textContent = isEdit ? 'Update Customer' : 'Add Customer';
    note.hidden = !isEdit;
    dialog.dataset.mode = mode;
    if (isEdit) {
      input('name').value = customer.name ?? '';
      input('email').value = customer.email ?? '';
      input('server').value = customer.server ?? '';
      input('port').value = customer.port == null ? '' : String(customer.port);
      input('connectionType').value = customer.connectionType === 'HTTPS' ? 'HTTPS' : 'HTTP';
    }
    openDialog(dialog);
    input('name').focus();
  }

  wireDialogClose(dialog, () => !running);

  dialog.addEventListener('close', () => {
    // Never keep credentials around once the dialog is gone.
    input('password').value = '';
    input('username').value = '';
    editing = null;
    if (returnFocus && document.contains(returnFocus) && !returnFocus.closest('[hidden]')) {
      try { returnFocus.focus(); } catch { /* ignore */ }
    }
    returnFocus = null;
  });

  // Clear a field's error as soon as it is edited.
  for (const key of Object.keys(FIELDS)) {
    const node = input(key);
    node.addEventListener(node.tagName === 'SELECT' ? 'change' : 'input', () => setFieldError(node, errorEl(key), ''));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (running) return;
    clearErrors();
    const data = readInput();
    const isEdit = mode === 'edit';
    const target = editing;
    setRunning(true);
    try {
      const customer = isEdit
        ? await invoke('update_customer', { id: target.id, input: data })
        : await invoke('add_customer', { input: data });
      setRunning(false);
      closeDialog(dialog);
      if (customer && customer.id !== undefined) store.upsertCustomer(customer);
      const name = (customer && customer.name) || data.name;
      showToast(isEdit ? `Customer "${name}" updated successfully.` : `Customer "${name}" added successfully.`);
    } catch (err) {
      setRunning(false);
      if (err.code === 'locked') return; // the lock handler takes over
      if (err.code === 'forbidden') {
        closeDialog(dialog);
        showToast(err.message, 'error');
        return;
      }
      if (err.code === 'not_found' && isEdit) {
        closeDialog(dialog);
        store.removeCustomer(target.id);
        showToast(err.message, 'error');
        return;
      }
      // Keep everything the user typed so they can correct it.
      showErrors(err);
    }
  });

  return {
    openAdd: (opener) => open('add', null, opener),
    openEdit: (customer, opener) => open('edit', customer, opener),
    reset() {
      setRunning(false);
      form.reset();
      clearErrors();
      closeDialog(dialog);
    },
  };
}
