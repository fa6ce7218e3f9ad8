// @ts-check
// Entry point: boots with app_info, routes between setup, login and the console, and wires the
// views together. The only module that knows every view: views never import each other, they get
// what they need from here as callbacks. Must never render a view's contents itself.
import { invoke, listen, setLockedHandler } from './api.js';
import { store } from './store.js';
import { byId } from './lib/dom.js';
import { initToast, showToast, hideToast } from './lib/toast.js';
import { startIdleTimer, stopIdleTimer } from './idle.js';
import { initAuth, resetAuthForms, focusSetup, focusLogin } from './views/auth.js';
import { initShell, showScreen, showPage, onSectionShown } from './views/shell.js';
import { initAbout } from './views/about.js';
import { CustomersView } from './views/customers.js';
import { SyncAllView } from './views/sync-all.js';
import { CustomerDialog } from './views/customer-dialog.js';
import { DeleteDialogs } from './views/delete-dialogs.js';
import { CustomerDetail } from './views/customer-detail.js';
import { MonitoringView } from './views/monitoring.js';
import { SyncSettingsView } from './views/sync-settings.js';
import { TechniciansView } from './views/technicians.js';
import { TechnicianDialog } from './views/technician-dialog.js';
import { LicensePage } from './views/license.js';
import { AllocationDialog } from './views/allocation-dialog.js';
import { CertificateReviewDialog } from './views/certificate-review.js';
import { NetworkSettingsView } from './views/network-settings.js';
import { BackupView } from './views/backup.js';
import { BulkActions } from './views/bulk-actions.js';
import { BulkDeleteDialog } from './views/bulk-delete.js';
import { CertificateBatchDialog } from './views/certificate-batch.js';
import { ImportDialog } from './views/import-dialog.js';
import { TagsDialog } from './views/tags-dialog.js';
import { TagEditor } from './views/tag-editor.js';
import { AuditLogView } from './views/audit-log.js';
import { ConsoleOpener } from './views/open-console.js';
import { Selection } from './lib/selection.js';
import { closeConfirm } from './lib/confirm.js';
import { MuteActions } from './views/mute.js';
import { MaintenancePage } from './views/maintenance.js';
import { OfflineBanner } from './views/offline.js';
import { AlertsPage } from './views/alerts.js';

/** @import { Customer, Session } from './types' */
/** @import { Events } from './commands' */

const LOCK_NOTICE = 'Your session was locked after a period of inactivity. Log in again to continue.';

/** Every view, made once at boot. */
function createViews() {
  const customerDialog = new CustomerDialog(store);
  const deleteDialogs = new DeleteDialogs(store);
  const certificateReview = new CertificateReviewDialog(store);
  /** @type {(customer: Customer, opener: HTMLElement) => void} */
  const openReview = (customer, opener) => certificateReview.open(customer, opener);
  /** @type {CustomersView} */
  let customers;
  /** The tags changed here (created, renamed, recoloured, deleted): every view follows the store. */
  const tagsChanged = () => customers.reloadTags();
  const tagEditor = new TagEditor(store, { tagsChanged });
  /** @type {(customer: Customer, opener: HTMLElement) => void} */
  const openTags = (customer, opener) => tagEditor.open(customer, opener);
  const consoles = new ConsoleOpener();
  /** @type {(customer: Customer, opener: HTMLElement) => Promise<boolean>} */
  const openConsole = (customer, opener) => consoles.open(customer, opener);
  const mute = new MuteActions(store);
  /** @type {(customer: Customer, opener: HTMLElement) => void} */
  const openMute = (customer, opener) => mute.openFor(customer, opener);
  const customerDetail = new CustomerDetail(store, { openReview, openTags, openConsole, openMute });
  /** @type {AllocationDialog} */
  let allocation;
  const license = new LicensePage(store, {
    openAllocation: (id, name, opener) => allocation.open(id, name, opener),
    licenseKnown: (applied) => allocation.licenseKnown(applied),
  });
  allocation = new AllocationDialog(store, {
    threshold: () => license.threshold(),
    hasLicense: () => license.hasLicense(),
    onChanged: () => license.reload(),
  });
  // The rows ticked in the table, for the bulk bar.
  const selection = new Selection();
  customers = new CustomersView(store, selection, {
    openAdd: (opener) => customerDialog.openAdd(opener),
    openEdit: (customer, opener) => customerDialog.openEdit(customer, opener),
    openDelete: (customer, opener) => deleteDialogs.openDelete(customer, opener),
    openDetail: (customer, opener) => customerDetail.open(customer, opener),
    openReview,
    openTags,
    openConsole,
    openMute,
    // The License button: Settings › License Management with that customer's Allocation Details box.
    openLicense: (customer, opener) => {
      showPage('settings', 'license');
      allocation.open(customer.id, customer.name, opener);
    },
  });
  const bulkDelete = new BulkDeleteDialog(store);
  const certificateBatch = new CertificateBatchDialog(store);
  const bulk = new BulkActions(store, selection, {
    openDelete: (ids, opener) => bulkDelete.open(ids, opener),
    openCertificates: (ids, opener) => certificateBatch.open(ids, opener),
    openMute: (ids, opener) => mute.openForMany(ids, opener),
    tagsChanged,
  });
  const tags = new TagsDialog(store, { changed: tagsChanged });
  const importDialog = new ImportDialog();
  /** @type {TechnicianDialog} */
  let technicianDialog;
  const technicians = new TechniciansView(store, (tech, opener) => technicianDialog.open(tech, opener));
  technicianDialog = new TechnicianDialog(store, (tech) => technicians.upsert(tech));
  const syncAll = new SyncAllView(store);
  const monitoring = new MonitoringView(store);
  const syncSettings = new SyncSettingsView(store);
  const network = new NetworkSettingsView(store);
  // A restore added customers: the table loads the list again.
  const backup = new BackupView({ restored: () => customers.load() });
  const audit = new AuditLogView(store);
  const maintenance = new MaintenancePage(store);
  const alerts = new AlertsPage(store);
  const offline = new OfflineBanner(store);
  return {
    mute, maintenance, alerts, offline,
    customerDialog, deleteDialogs, customerDetail, certificateReview, license, allocation, customers,
    technicians, technicianDialog, syncAll, monitoring, syncSettings, network, backup, bulk, bulkDelete,
    certificateBatch, tags, tagEditor, importDialog, audit, consoles,
  };
}

/** @type {ReturnType<typeof createViews>} */
let views;

function closeAllDialogs() {
  views.customerDialog.reset();
  views.deleteDialogs.reset();
  views.customerDetail.reset();
  views.certificateReview.reset();
  views.technicians.reset();
  views.technicianDialog.reset();
  views.allocation.reset();
  views.license.reset();
  views.bulk.reset();
  views.bulkDelete.reset();
  views.certificateBatch.reset();
  views.tags.reset();
  views.tagEditor.reset();
  views.importDialog.reset();
  views.consoles.reset();
  views.customers.reset();
  views.maintenance.reset();
  views.alerts.reset();
  views.mute.reset();
  closeConfirm();
  for (const d of document.querySelectorAll('dialog[open]')) if (d instanceof HTMLDialogElement) d.close();
}

function resetSettings() {
  views.monitoring.reset();
  views.syncSettings.reset();
  views.network.reset();
  views.backup.reset();
  views.audit.reset();
}

/** Drops everything tied to the session and shows the login screen. @param {string} [notice] */
function goToLogin(notice = '') {
  stopIdleTimer();
  closeAllDialogs();
  hideToast();
  resetAuthForms();
  resetSettings();
  store.clearSession();
  showScreen('login-screen');
  focusLogin(notice);
}

function goToSetup() {
  stopIdleTimer();
  closeAllDialogs();
  resetSettings();
  store.clearSession();
  showScreen('setup-screen');
  focusSetup();
}

/** @param {Session} session */
function enterConsole(session) {
  // User Timing marks (DevTools, the window benchmark): where opening the console spends its time.
  performance.mark('console:session');
  store.setSession(session);
  showScreen('app-shell');
  showPage('settings', 'customers'); // land on Settings → Customer Management
  startIdleTimer(store.info && store.info.idleLockSeconds, () => {
    invoke('logout').catch(() => {});
    goToLogin(LOCK_NOTICE);
  });
  views.customers.load();
  views.mute.load();
}

async function logout() {
  try {
    await invoke('logout');
  } catch {
    /* logging out locally regardless */
  }
  goToLogin();
}

/**
 * Subscribes to a core event; a failed subscription is logged, not fatal.
 * @template {keyof Events} E
 * @param {E} event
 * @param {(payload: Events[E]) => void} handler
 */
function follow(event, handler) {
  listen(event, handler).catch((e) => console.warn(`${event} listener failed`, e));
}

function followCoreEvents() {
  // The daily check at start found a newer version: the About box offers it.
  follow('update-available', (p) => {
    if (p && p.status === 'available') showToast(`MSSP Console ${p.version} is available: open About to install it.`, 'info');
  });
  // The customers checked since the last one (a few times a second at most); the store
  // applies them once per frame.
  follow('health-updated', (updates) => {
    if (!Array.isArray(updates)) return;
    for (const p of updates) if (p && p.customerId !== undefined) store.queueHealth(p.customerId, p.health);
  });
  // A customer's sync started or ended (Sync All: thousands, batched per frame).
  follow('sync-updated', (p) => {
    if (store.session && p && p.customerId !== undefined) store.queueSync(p.customerId, p.status, p.sync);
  });
  follow('status-counts', (p) => {
    if (store.session) store.setCounts(p);
  });
  // A license apply, an allocation change or a push result: reload what is shown.
  follow('license-changed', () => {
    if (!store.session) return;
    views.license.changed();
    views.allocation.changed();
  });
  follow('session-locked', () => {
    if (store.session) goToLogin(LOCK_NOTICE);
  });
  // Customers added, edited, removed or tagged (here, in another session, by mssp-admin).
  follow('customers-changed', () => {
    if (!store.session) return;
    views.customers.changed();
    views.maintenance.changed();
    // Mutes changed too (the tray's "Mute all notifications for 1 h"): the header follows.
    views.mute.load();
  });
  // This computer went offline (the banner, "not checked since …" on rows) or came back.
  follow('connectivity-changed', (p) => {
    if (store.session) store.setOffline(p ? p.offlineSince : null);
  });
  // The tray's "Open": that customer's detail (the shell has shown the window already).
  follow('open-customer', (id) => openCustomer(String(id)));
  follow('set-up-elsewhere', () => {
    if (!store.session) goToLogin('The administrator was created with mssp-admin. Log in with it.');
  });
}

/**
 * Shows a customer's detail over Customer Management (the tray's "Open"); waits for the list
 * when it is still loading.
 * @param {string} id
 * @param {number} [tries]
 */
function openCustomer(id, tries = 20) {
  if (!store.session) return;
  const customer = store.getCustomer(id);
  if (!customer) {
    if (!store.loaded && tries > 0) setTimeout(() => openCustomer(id, tries - 1), 250);
    return;
  }
  // Whatever dialog was open gives way (a running call in it goes on).
  for (const d of document.querySelectorAll('dialog[open]')) if (d instanceof HTMLDialogElement) d.close();
  showPage('settings', 'customers');
  views.customerDetail.open(customer, byId('customer-search'));
}

async function boot() {
  // Start-up marks, read by the start-up benchmark (tests/examples/bench_startup.rs): when this
  // script ran, when app_info answered, and when the first screen took input.
  performance.mark('mssp:boot');
  initToast();
  initShell(store, { onLogout: logout, onAbout: initAbout(store) });
  views = createViews();
  onSectionShown('license', () => views.license.shown());
  onSectionShown('monitoring', () => {
    views.monitoring.shown();
    views.syncSettings.shown();
  });
  onSectionShown('technicians', () => views.technicians.shown());
  onSectionShown('maintenance', () => views.maintenance.shown());
  onSectionShown('alerts', () => views.alerts.shown());
  // Once a minute: "Muted until …" badges whose time is over go.
  setInterval(() => views.customers.tick(), 60_000);
  onSectionShown('security', () => views.network.shown());
  onSectionShown('audit', () => views.audit.shown());
  initAuth({ onAuthenticated: enterConsole, onNeedSetup: goToSetup, onNeedLogin: (msg) => goToLogin(msg) });
  setLockedHandler(() => {
    if (store.session) goToLogin(LOCK_NOTICE);
  });
  followCoreEvents();

  let info;
  try {
    info = await invoke('app_info');
    performance.mark('mssp:app-info');
  } catch (err) {
    showScreen('login-screen');
    byId('login-error').textContent = `MSSP Console could not start: ${err instanceof Error ? err.message : String(err)}`;
    return;
  }
  store.setInfo(info);
  if (info.needsSetup) goToSetup();
  else if (info.session) enterConsole(info.session);
  else goToLogin();
  performance.mark('mssp:first-screen');
}

boot().catch((e) => {
  console.error(e);
  showToast(`MSSP Console could not start: ${e instanceof Error ? e.message : e}`, 'error');
});
