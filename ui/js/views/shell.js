// Screens (boot / setup / login / app), the header + navigation, the Settings
// left menu (Customer Management / Monitoring / Technicians / License Management), the Home summary,
// the "N down" badge next to the Customer Management heading, and the role
// (body[data-role]: CSS hides .admin-only / .not-guest controls; cosmetic only,
// the backend refuses with `forbidden` anyway).
import { byId, $$ } from '../dom.js';

const SCREENS = ['boot-screen', 'setup-screen', 'login-screen', 'app-shell'];

// Settings sections: menu button -> content section.
const SECTIONS = {
  customers: { nav: 'nav-customer-management', page: 'customer-page', title: 'Customer Management' },
  monitoring: { nav: 'nav-monitoring', page: 'monitoring-page', title: 'Monitoring' },
  technicians: { nav: 'nav-technicians', page: 'technicians-page', title: 'Technicians', adminOnly: true },
  license: { nav: 'nav-license', page: 'license-page', title: 'License Management' },
};

let roleOf = () => 'admin';

let currentSection = 'customers';
const sectionHooks = {}; // section -> fn() called whenever it is shown

export function showScreen(id) {
  for (const s of SCREENS) byId(s).hidden = s !== id;
  document.body.dataset.screen = id;
}

function showSection(section) {
  currentSection = SECTIONS[section] && !(SECTIONS[section].adminOnly && roleOf() !== 'admin') ? section : 'customers';
  for (const [name, s] of Object.entries(SECTIONS)) {
    const active = name === currentSection;
    byId(s.page).hidden = !active;
    const nav = byId(s.nav);
    if (active) nav.setAttribute('aria-current', 'page');
    else nav.removeAttribute('aria-current');
  }
}

/**
 * page: 'home' | 'settings'; section (settings only): 'customers' | 'monitoring' |
 * 'technicians' | 'license'.
 * Without a section, Settings shows the section last shown.
 */
export function showPage(page, section) {
  byId('home-page').hidden = page !== 'home';
  byId('settings-page').hidden = page !== 'settings';
  for (const tab of $$('.header-tab')) {
    const active = tab.dataset.page === page;
    tab.classList.toggle('is-active', active);
    if (active) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  if (page === 'settings') {
    showSection(section || currentSection);
    document.title = `${SECTIONS[currentSection].title} · MSSP Console`;
    const hook = sectionHooks[currentSection];
    if (hook) hook();
  } else {
    document.title = 'Home · MSSP Console';
  }
}

/** Register fn() to run each time a Settings section is shown. */
export function onSectionShown(section, fn) {
  sectionHooks[section] = fn;
}

export function initShell(store, { onLogout, onAbout }) {
  byId('nav-home').addEventListener('click', () => showPage('home'));
  byId('nav-settings').addEventListener('click', () => showPage('settings'));
  byId('nav-customer-management').addEventListener('click', () => showPage('settings', 'customers'));
  byId('nav-monitoring').addEventListener('click', () => showPage('settings', 'monitoring'));
  byId('nav-technicians').addEventListener('click', () => showPage('settings', 'technicians'));
  byId('nav-license').addEventListener('click', () => showPage('settings', 'license'));
  roleOf = () => store.role;
  byId('home-goto-customers').addEventListener('click', () => showPage('settings', 'customers'));
  byId('logout-button').addEventListener('click', () => onLogout());
  byId('about-button').addEventListener('click', () => onAbout());

  store.addEventListener('session-changed', (e) => {
    const s = e.detail.session;
    byId('current-user').textContent = s ? s.username : '';
    const role = s ? store.role : '';
    const roleEl = byId('current-role');
    roleEl.textContent = role && role !== 'admin' ? role.charAt(0).toUpperCase() + role.slice(1) : '';
    roleEl.hidden = !roleEl.textContent;
    if (role) document.body.dataset.role = role;
    else delete document.body.dataset.role;
    if (s && role !== 'admin' && currentSection === 'technicians') currentSection = 'customers';
  });

  const total = byId('summary-total');
  const up = byId('summary-up');
  const down = byId('summary-down');
  const unknown = byId('summary-unknown');
  const badge = byId('down-count-badge');
  const renderSummary = () => {
    // status-counts from the backend when we have them, else counted locally.
    const s = store.summary();
    total.textContent = String(s.total);
    up.textContent = String(s.up);
    down.textContent = String(s.down);
    unknown.textContent = String(s.unknown);
    badge.hidden = !(s.down > 0);
    badge.textContent = s.down > 0 ? `${s.down} down` : '';
    badge.title = s.down === 1 ? '1 customer is down' : `${s.down} customers are down`;
  };
  // Coalesce bursts of health events into one summary update per frame.
  let pending = false;
  store.addEventListener('summary-changed', () => {
    if (pending) return;
    pending = true;
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      pending = false;
      renderSummary();
    };
    requestAnimationFrame(run);
    setTimeout(run, 250); // rAF does not run while the window is hidden
  });
  renderSummary();
}
