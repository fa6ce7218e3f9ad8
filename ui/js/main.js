// Entry point: boot with app_info, then route between setup, login and the console.
import { invoke, listen, setLockedHandler } from './api.js';
import { store } from './store.js';
import { byId } from './dom.js';
import { startIdleTimer, stopIdleTimer } from './idle.js';
import { initToast, showToast, hideToast } from './views/toast.js';
import { initAuth, resetAuthForms, focusSetup, focusLogin } from './views/auth.js';
import { initShell, showScreen, showPage, onSectionShown } from './views/shell.js';
import { initAbout } from './views/about.js';
import { initCustomers } from './views/customers.js';
import { initCustomerDialog } from './views/customer-dialog.js';
import { initDeleteDialogs } from './views/delete-dialogs.js';
import { initCustomerDetail } from './views/customer-detail.js';
import { initMonitoring } from './views/monitoring.js';
import { initTechnicians } from './views/technicians.js';
import { initLicense } from './views/license.js';

const LOCK_NOTICE = 'Your session was locked after a period of inactivity. Log in again to continue.';

let customersView;
let customerDialog;
let deleteDialogs;
let customerDetail;
let monitoring;
let technicians;
let license;

function closeAllDialogs() {
  customerDialog.reset();
  deleteDialogs.reset();
  customerDetail.reset();
  technicians.reset();
  license.reset();
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
}

/** Drop everything tied to the session and show the login screen. */
function goToLogin(notice = '') {
  stopIdleTimer();
  closeAllDialogs();
  hideToast();
  resetAuthForms();
  monitoring.reset();
  store.clearSession();
  showScreen('login-screen');
  focusLogin(notice);
}

function goToSetup() {
  stopIdleTimer();
  closeAllDialogs();
  monitoring.reset();
  store.clearSession();
  showScreen('setup-screen');
  focusSetup();
}

function enterConsole(session) {
  store.setSession(session);
  showScreen('app-shell');
  showPage('settings', 'customers'); // land on Settings → Customer Management
  const idle = store.info && store.info.idleLockSeconds;
  startIdleTimer(idle, () => {
    invoke('logout').catch(() => {});
    goToLogin(LOCK_NOTICE);
  });
  customersView.load();
}

async function logout() {
  try {
    await invoke('logout');
  } catch {
    /* logging out locally regardless */
  }
  goToLogin();
}

async function boot() {
  initToast();
  const openAbout = initAbout(store);
  initShell(store, { onLogout: logout, onAbout: openAbout });
  customerDialog = initCustomerDialog(store);
  deleteDialogs = initDeleteDialogs(store);
  customerDetail = initCustomerDetail(store);
  license = initLicense(store);
  onSectionShown('license', () => license.shown());
  customersView = initCustomers(store, {
    openAdd: customerDialog.openAdd,
    openEdit: customerDialog.openEdit,
    openDelete: deleteDialogs.openDelete,
    openDetail: customerDetail.open,
    // The License button: Settings › License Management with that customer's Allocation Details box.
    openLicense: (customer, opener) => {
      showPage('settings', 'license');
      license.openAllocation(customer.id, customer.name, opener);
    },
  });
  monitoring = initMonitoring(store);
  onSectionShown('monitoring', () => monitoring.shown());
  technicians = initTechnicians(store);
  onSectionShown('technicians', () => technicians.shown());
  initAuth({
    onAuthenticated: enterConsole,
    onNeedSetup: goToSetup,
    onNeedLogin: (msg) => goToLogin(msg),
  });

  setLockedHandler(() => {
    if (store.session) goToLogin(LOCK_NOTICE);
  });

  // Bursts (a sweep over thousands of customers) are applied once per frame.
  listen('health-updated', (payload) => {
    if (payload && payload.customerId !== undefined) store.queueHealth(payload.customerId, payload.health);
  }).catch((e) => console.warn('health-updated listener failed', e));
  // sync-updated: a customer's sync started or ended (Sync All: thousands, batched per frame).
  listen('sync-updated', (payload) => {
    if (store.session && payload && payload.customerId !== undefined) store.queueSync(payload.customerId, payload.status, payload.sync);
  }).catch((e) => console.warn('sync-updated listener failed', e));
  listen('status-counts', (payload) => {
    if (store.session) store.setCounts(payload);
  }).catch((e) => console.warn('status-counts listener failed', e));
  // license-changed: a license apply, an allocation change or a push result.
  listen('license-changed', () => {
    if (store.session) license.changed();
  }).catch((e) => console.warn('license-changed listener failed', e));
  listen('session-locked', () => {
    if (store.session) goToLogin(LOCK_NOTICE);
  }).catch((e) => console.warn('session-locked listener failed', e));

  let info;
  try {
    info = await invoke('app_info');
  } catch (err) {
    showScreen('login-screen');
    byId('login-error').textContent = `MSSP Console could not start: ${err.message}`;
    return;
  }
  store.setInfo(info);
  if (info.needsSetup) goToSetup();
  else if (info.session) enterConsole(info.session);
  else goToLogin();
}

boot().catch((e) => {
  console.error(e);
  showToast(`MSSP Console could not start: ${e.message || e}`, 'error');
});
