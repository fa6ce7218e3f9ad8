// Delete flow: Confirm Password (#delete-dialog) then, if the soft delete
// failed because of the instance, Force Delete (#force-dialog).
import { invoke } from '../api.js';
import { byId, openDialog, closeDialog, setFieldError, wireDialogClose } from '../dom.js';
import { showToast } from './toast.js';

export function initDeleteDialogs(store) {
  const del = byId('delete-dialog');
  const delForm = byId('delete-form');
  const delPassword = byId('delete-password');
  const delProceed = byId('delete-proceed');
  const delCancel = byId('delete-cancel');
  const delError = byId('delete-error');
  const delBusy = byId('delete-busy');

  const force = byId('force-dialog');
  const forceForm = byId('force-form');
  const reason = byId('force-reason');
  const reasonError = byId('force-reason-error');
  const forceSubmit = byId('force-submit');
  const forceCancel = byId('force-cancel');
  const forceError = byId('force-error');

  // Lives only while the dialogs are open; cleared in clearState().
  let customer = null;
  let password = '';
  let toForce = false;
  let running = false;
  let returnFocus = null;

  function clearState() {
    customer = null;
    password = '';
    toForce = false;
    delPassword.value = '';
    reason.value = '';
    delError.textContent = '';
    forceError.textContent = '';
    setFieldError(reason, reasonError, '');
  }

  function restoreFocus() {
    if (returnFocus && document.contains(returnFocus) && !returnFocus.closest('[hidden]')) {
      try { returnFocus.focus(); } catch { /* ignore */ }
    }
    returnFocus = null;
  }

  function setRunning(on, button, cancelBtn) {
    running = on;
    button.disabled = on;
    cancelBtn.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  wireDialogClose(del, () => !running);
  wireDialogClose(force, () => !running);

  del.addEventListener('close', () => {
    delPassword.value = '';
    delBusy.hidden = true;
    if (toForce) {
      toForce = false; // state (customer, password) moves on to the Force Delete step
    } else {
      clearState();
      restoreFocus();
    }
  });
  force.addEventListener('close', () => {
    clearState();
    restoreFocus();
  });

  delPassword.addEventListener('input', () => { delError.textContent = ''; });
  reason.addEventListener('input', () => setFieldError(reason, reasonError, ''));

  function open(c, opener) {
    if (running) return;
    clearState();
    customer = c;
    returnFocus = opener || document.activeElement;
    byId('delete-message').textContent = `You are about to delete the customer "${c.name}".`;
    openDialog(del);
    delPassword.focus();
  }

  delForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (running || !customer) return;
    delError.textContent = '';
    const typed = delPassword.value;
    if (!typed) {
      delError.textContent = 'Enter your password.';
      delPassword.focus();
      return;
    }
    const target = customer;
    setRunning(true, delProceed, delCancel);
    delBusy.hidden = false;
    try {
      await invoke('delete_customer', { id: target.id, password: typed });
      setRunning(false, delProceed, delCancel);
      closeDialog(del);
      store.removeCustomer(target.id);
      showToast(`Customer "${target.name}" deleted successfully.`);
    } catch (err) {
      setRunning(false, delProceed, delCancel);
      delBusy.hidden = true;
      if (err.code === 'locked') return;
      if (err.forceDeleteAvailable) {
        // Hand the typed password over to the Force Delete step.
        password = typed;
        toForce = true;
        closeDialog(del); // its (async) close event sees toForce and keeps the state
        openForce(target, err);
        return;
      }
      if (err.code === 'not_found' || err.code === 'forbidden') {
        closeDialog(del);
        if (err.code === 'forbidden') { showToast(err.message, 'error'); return; }
        store.removeCustomer(target.id);
        showToast(err.message, 'error');
        return;
      }
      delError.textContent = err.message;
      delPassword.focus();
      delPassword.select();
    }
  });

  function openForce(c, err) {
    customer = c;
    byId('force-intro').textContent = `The customer "${c.name}" could not be removed from its Log360 instance (soft delete failed). You can force delete it from Log360 MSSP.`;
    byId('force-message').textContent = err.message;
    reason.value = '';
    forceError.textContent = '';
    setFieldError(reason, reasonError, '');
    openDialog(force);
    reason.focus();
  }

  forceForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (running || !customer) return;
    forceError.textContent = '';
    setFieldError(reason, reasonError, '');
    const why = reason.value.trim();
    if (!why) {
      setFieldError(reason, reasonError, 'Enter the reason for force removal.');
      reason.focus();
      return;
    }
    const target = customer;
    setRunning(true, forceSubmit, forceCancel);
    try {
      await invoke('force_delete_customer', { id: target.id, password, reason: why });
      setRunning(false, forceSubmit, forceCancel);
      closeDialog(force);
      store.removeCustomer(target.id);
      showToast(`Customer "${target.name}" force deleted.`);
    } catch (err) {
      setRunning(false, forceSubmit, forceCancel);
      if (err.code === 'locked') return;
      if (err.code === 'validation' && err.fields && err.fields.reason) {
        setFieldError(reason, reasonError, err.fields.reason);
        reason.focus();
        return;
      }
      if (err.code === 'not_found' || err.code === 'forbidden') {
        closeDialog(force);
        if (err.code === 'forbidden') { showToast(err.message, 'error'); return; }
        store.removeCustomer(target.id);
        showToast(err.message, 'error');
        return;
      }
      forceError.textContent = err.message;
    }
  });

  return {
    openDelete: open,
    reset() {
      running = false;
      delProceed.disabled = false;
      delCancel.disabled = false;
      forceSubmit.disabled = false;
      forceCancel.disabled = false;
      closeDialog(del);
      closeDialog(force);
      clearState();
    },
  };
}
