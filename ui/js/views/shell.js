// @ts-check
// The frame around every page: screens (boot / setup / login / app), the header and its
// navigation, the Settings menu (Customer Management / Monitoring / Maintenance / Alert
// channels / Technicians / License Management / Security / Audit log), the Home summary, the "N down" badge, and the role on <body data-role> (CSS hides
// .admin-only / .not-guest controls: cosmetic only, the core refuses with `forbidden` anyway).
// Must never call the core: the sections' hooks (main.js) load what they show.
import { byId } from '../lib/dom.js';
import { frameCoalescer } from '../lib/coalesce.js';
import { capitalize, formatCount } from '../lib/format.js';

/** @import { Store } from '../store.js' */
/** @typedef {'customers' | 'monitoring' | 'maintenance' | 'alerts' | 'technicians' | 'license' | 'security' | 'audit'} Section */
/** @typedef {'boot-screen' | 'setup-screen' | 'login-screen' | 'app-shell'} Screen */

/** @type {Screen[]} */
const SCREENS = ['boot-screen', 'setup-screen', 'login-screen', 'app-shell'];

/** Settings sections: menu button, content section, window title. @type {Record<Section, { nav: string, page: string, title: string, adminOnly?: boolean }>} */
const SECTIONS = {
  customers: { nav: 'nav-customer-management', page: 'customer-page', title: 'Customer Management' },
  monitoring: { nav: 'nav-monitoring', page: 'monitoring-page', title: 'Monitoring' },
  maintenance: { nav: 'nav-maintenance', page: 'maintenance-page', title: 'Maintenance' },
  alerts: { nav: 'nav-alerts', page: 'alerts-page', title: 'Alert channels', adminOnly: true },
  technicians: { nav: 'nav-technicians', page: 'technicians-page', title: 'Technicians', adminOnly: true },
  license: { nav: 'nav-license', page: 'license-page', title: 'License Management' },
  security: { nav: 'nav-security', page: 'security-page', title: 'Security', adminOnly: true },
  audit: { nav: 'nav-audit', page: 'audit-page', title: 'Audit log', adminOnly: true },
};

/** @type {() => string} */
let roleOf = () => 'admin';
/** @type {Section} */
let currentSection = 'customers';
/** Section -> run each time it is shown. @type {Partial<Record<Section, () => void>>} */
const sectionHooks = {};

/** @param {Screen} id */
export function showScreen(id) {
  for (const s of SCREENS) byId(s).hidden = s !== id;
  document.body.dataset.screen = id;
}

/** @param {Section} section */
function showSection(section) {
  currentSection = SECTIONS[section].adminOnly && roleOf() !== 'admin' ? 'customers' : section;
  for (const [name, s] of Object.entries(SECTIONS)) {
    const active = name === currentSection;
    byId(s.page).hidden = !active;
    setCurrent(byId(s.nav), active);
  }
}

/**
 * @param {HTMLElement} nav
 * @param {boolean} active
 */
function setCurrent(nav, active) {
  if (active) nav.setAttribute('aria-current', 'page');
  else nav.removeAttribute('aria-current');
}

/**
 * Shows Home, or Settings with `section` (without one: the section last shown).
 * @param {'home' | 'settings'} page
 * @param {Section} [section]
 */
export function showPage(page, section) {
  byId('home-page').hidden = page !== 'home';
  byId('settings-page').hidden = page !== 'settings';
  for (const tab of document.querySelectorAll('.header-tab')) {
    if (!(tab instanceof HTMLElement)) continue;
    const active = tab.dataset.page === page;
    tab.classList.toggle('is-active', active);
    setCurrent(tab, active);
  }
  if (page !== 'settings') {
    document.title = 'Home · MSSP Console';
    return;
  }
  showSection(section || currentSection);
  document.title = `${SECTIONS[currentSection].title} · MSSP Console`;
  const hook = sectionHooks[currentSection];
  if (hook) hook();
}

/**
 * Registers fn() to run each time a Settings section is shown.
 * @param {Section} section
 * @param {() => void} fn
 */
export function onSectionShown(section, fn) {
  sectionHooks[section] = fn;
}

/**
 * @param {Store} store
 * @param {{ onLogout: () => void, onAbout: () => void }} actions
 */
export function initShell(store, { onLogout, onAbout }) {
  /** @type {Array<[string, () => void]>} */
  const clicks = [
    ['nav-home', () => showPage('home')],
    ['nav-settings', () => showPage('settings')],
    ['nav-customer-management', () => showPage('settings', 'customers')],
    ['nav-monitoring', () => showPage('settings', 'monitoring')],
    ['nav-maintenance', () => showPage('settings', 'maintenance')],
    ['nav-alerts', () => showPage('settings', 'alerts')],
    ['nav-technicians', () => showPage('settings', 'technicians')],
    ['nav-license', () => showPage('settings', 'license')],
    ['nav-security', () => showPage('settings', 'security')],
    ['nav-audit', () => showPage('settings', 'audit')],
    ['home-goto-customers', () => showPage('settings', 'customers')],
    ['logout-button', () => onLogout()],
    ['about-button', () => onAbout()],
  ];
  for (const [id, fn] of clicks) byId(id).addEventListener('click', fn);
  roleOf = () => store.role;
  store.on('session-changed', ({ session }) => showUser(store, session !== null));
  const renderSummary = summaryRenderer(store);
  // Bursts of health events: one summary update per frame.
  store.on('summary-changed', frameCoalescer(renderSummary));
  renderSummary();
}

/**
 * The header's user and role, and body[data-role].
 * @param {Store} store
 * @param {boolean} loggedIn
 */
function showUser(store, loggedIn) {
  byId('current-user').textContent = loggedIn && store.session ? store.session.username : '';
  const role = loggedIn ? store.role : '';
  const roleEl = byId('current-role');
  roleEl.textContent = role && role !== 'admin' ? capitalize(role) : '';
  roleEl.hidden = !roleEl.textContent;
  if (role) document.body.dataset.role = role;
  else delete document.body.dataset.role;
  if (loggedIn && role !== 'admin' && SECTIONS[currentSection].adminOnly) currentSection = 'customers';
}

/**
 * Home's counts and the "N down" badge: the core's status-counts when known, else counted here.
 * @param {Store} store
 */
function summaryRenderer(store) {
  const total = byId('summary-total');
  const up = byId('summary-up');
  const down = byId('summary-down');
  const unknown = byId('summary-unknown');
  const badge = byId('down-count-badge');
  return () => {
    const s = store.summary();
    total.textContent = formatCount(s.total);
    up.textContent = formatCount(s.up);
    down.textContent = formatCount(s.down);
    unknown.textContent = formatCount(s.unknown);
    badge.hidden = !(s.down > 0);
    badge.textContent = s.down > 0 ? `${formatCount(s.down)} down` : '';
    badge.title = s.down === 1 ? '1 customer is down' : `${formatCount(s.down)} customers are down`;
  };
}
