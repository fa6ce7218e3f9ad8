// Screens (boot / setup / login / app) and the header + navigation.
import { byId, $$ } from '../dom.js';

const SCREENS = ['boot-screen', 'setup-screen', 'login-screen', 'app-shell'];

export function showScreen(id) {
  for (const s of SCREENS) byId(s).hidden = s !== id;
  document.body.dataset.screen = id;
}

/** page: 'home' | 'settings' */
export function showPage(page) {
  byId('home-page').hidden = page !== 'home';
  byId('settings-page').hidden = page !== 'settings';
  for (const tab of $$('.header-tab')) {
    const active = tab.dataset.page === page;
    tab.classList.toggle('is-active', active);
    if (active) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  document.title = page === 'home' ? 'Home · MSSP Console' : 'Customer Management · MSSP Console';
}

export function initShell(store, { onLogout, onAbout }) {
  byId('nav-home').addEventListener('click', () => showPage('home'));
  byId('nav-settings').addEventListener('click', () => showPage('settings'));
  byId('nav-customer-management').addEventListener('click', () => showPage('settings'));
  byId('home-goto-customers').addEventListener('click', () => showPage('settings'));
  byId('logout-button').addEventListener('click', () => onLogout());
  byId('about-button').addEventListener('click', () => onAbout());

  store.addEventListener('session-changed', (e) => {
    const s = e.detail.session;
    byId('current-user').textContent = s ? s.username : '';
  });

  const renderSummary = () => {
    const s = store.summary();
    byId('summary-total').textContent = String(s.total);
    byId('summary-up').textContent = String(s.up);
    byId('summary-down').textContent = String(s.down);
    byId('summary-unknown').textContent = String(s.unknown);
  };
  // Coalesce bursts of health events into one summary update per frame.
  let pending = false;
  store.addEventListener('summary-changed', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      renderSummary();
    });
  });
}
