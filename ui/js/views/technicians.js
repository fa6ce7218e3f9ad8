// @ts-check
// Settings › Technicians (#technicians-page, admins only): the table from list_technicians,
// Enable / Disable (set_technician_enabled), and the buttons that open the Add / Update dialog
// (main.js hands that in). Owns the table; must never edit a technician itself beyond enabling.
import { invoke } from '../api.js';
import { byId, el, svg } from '../lib/dom.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { capitalize } from '../lib/format.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { PENCIL } from '../icons.js';
import { Store } from '../store.js';

/** @import { ApiError } from '../api.js' */
/** @import { Technician } from '../types' */
/** @typedef {(tech: Technician | null, opener: HTMLElement) => void} OpenTechnicianDialog  null: Add */

export class TechniciansView {
  /**
   * @param {Store} store
   * @param {OpenTechnicianDialog} openDialog
   */
  constructor(store, openDialog) {
    this.store = store;
    this.openDialog = openDialog;
    this.page = byId('technicians-page');
    this.tbody = byId('technicians-tbody', HTMLTableSectionElement);
    this.listError = byId('technicians-error');
    /** id -> technician. @type {Map<string, Technician>} */
    this.techs = new Map();
    /** Technicians whose Enable / Disable is on its way. @type {Set<string>} */
    this.pendingToggle = new Set();
    this.loads = new LatestReply();
    // Customer names appear in the Delegated customers column.
    store.on('customers-reset', () => {
      if (!this.page.hidden && this.techs.size) this.#render();
    });
    store.on('tags-changed', () => {
      if (!this.page.hidden && this.techs.size) this.#render();
    });
    this.tbody.addEventListener('click', (e) => this.#rowClick(e));
    byId('add-technician-button').addEventListener('click', (e) => openDialog(null, /** @type {HTMLElement} */ (e.currentTarget)));
  }

  /** Settings › Technicians was shown. */
  shown() {
    if (this.store.isAdmin) this.#load();
  }

  /** Forgets everything (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.techs = new Map();
    this.pendingToggle.clear();
    this.tbody.replaceChildren();
    this.listError.textContent = '';
    byId('technicians-empty').hidden = true;
    byId('technicians-loading').hidden = true;
  }

  /**
   * A technician the dialog saved: into the table, highlighted.
   * @param {Technician | null} t
   */
  upsert(t) {
    if (!t || t.id === undefined) return;
    this.techs.set(String(t.id), t);
    this.#render();
    const tr = this.tbody.querySelector(`tr[data-technician-id="${CSS.escape(String(t.id))}"]`);
    if (tr) tr.classList.add('row-flash');
  }

  /** "All customers", or the delegated tags and customers' names, sorted. @param {Technician} t */
  #customerNames(t) {
    if (t.allCustomers) return 'All customers';
    const ids = Array.isArray(t.customerIds) ? t.customerIds : [];
    const tagNames = (Array.isArray(t.tagIds) ? t.tagIds : []).map((id) => {
      const tag = this.store.getTag(id);
      return tag ? tag.name : `unknown tag (${id})`;
    }).sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true }));
    const tags = tagNames.length ? `Tagged ${tagNames.join(', ')}` : '';
    if (!ids.length) return tags || 'No customers';
    const names = ids.map((id) => {
      const c = this.store.getCustomer(id);
      return c ? String(c.name ?? '') : `Unknown customer (${id})`;
    });
    names.sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true }));
    return [tags, names.join(', ')].filter(Boolean).join(' · ');
  }

  /** @param {Technician} t */
  #toggleButton(t, me = false) {
    const enabled = t.enabled !== false;
    const toggle = el('button', {
      type: 'button',
      class: `btn btn-small ${enabled ? 'btn-secondary' : 'btn-secondary btn-enable'}`,
      'data-action': enabled ? 'disable' : 'enable',
      'aria-label': enabled ? 'Disable technician' : 'Enable technician',
      text: enabled ? 'Disable' : 'Enable',
    });
    if (me && enabled) {
      toggle.disabled = true;
      toggle.title = 'You cannot disable yourself.';
    }
    if (this.pendingToggle.has(String(t.id))) toggle.disabled = true;
    return toggle;
  }

  /** @param {Technician} t */
  #row(t) {
    const me = !!this.store.session && String(this.store.session.username) === String(t.username);
    const enabled = t.enabled !== false;
    const delegated = this.#customerNames(t);
    const username = String(t.username ?? '');
    const edit = el('button', { type: 'button', class: 'icon-button action-edit', 'data-action': 'edit', 'aria-label': 'Edit technician', title: 'Edit technician' }, svg(PENCIL));
    return el('tr', { 'data-technician-id': String(t.id), 'data-username': username, 'data-enabled': enabled ? 'true' : 'false' },
      el('td', { class: 'col-tusername' },
        el('span', { class: 'cell-name', text: username, title: username }),
        me ? el('span', { class: 'you-badge', text: 'you' }) : null),
      el('td', { class: 'col-temail', text: String(t.email ?? ''), title: String(t.email ?? '') }),
      el('td', { class: 'col-trole' }, el('span', { class: 'role-pill', 'data-role': String(t.role ?? ''), text: capitalize(t.role) })),
      el('td', { class: 'col-tcustomers', text: delegated, title: delegated }),
      el('td', { class: 'col-tstatus' }, el('span', { class: 'pill', 'data-kind': enabled ? 'good' : 'neutral', text: enabled ? 'Enabled' : 'Disabled' })),
      el('td', { class: 'col-tactions' }, el('div', { class: 'row-actions' }, edit, this.#toggleButton(t, me))));
  }

  #render() {
    const sorted = Array.from(this.techs.values()).sort((a, b) => Store.compare({ name: a.username }, { name: b.username }));
    const frag = document.createDocumentFragment();
    for (const t of sorted) frag.append(this.#row(t));
    this.tbody.replaceChildren(frag);
    byId('technicians-empty').hidden = !(this.techs.size === 0 && !this.listError.textContent);
    byId('technicians-table').classList.toggle('is-empty', this.techs.size === 0);
  }

  async #load() {
    const current = this.loads.begin();
    const loading = byId('technicians-loading');
    loading.hidden = this.techs.size > 0;
    this.listError.textContent = '';
    try {
      const list = await invoke('list_technicians');
      if (!current()) return;
      this.techs = new Map((Array.isArray(list) ? list : []).map((t) => [String(t.id), t]));
      this.#render();
    } catch (err) {
      if (!current()) return;
      const showError = (/** @type {ApiError} */ e) => {
        this.listError.textContent = `Could not load the technicians: ${e.message}`;
        this.#render();
      };
      routeError(err, {
        forbidden: (e) => {
          toastMessage(e);
          showError(e);
        },
        other: showError,
      });
    } finally {
      if (current()) loading.hidden = true;
    }
  }

  /**
   * @param {Technician} t
   * @param {boolean} enabled
   */
  async #setEnabled(t, enabled) {
    const id = String(t.id);
    if (this.pendingToggle.has(id)) return;
    this.pendingToggle.add(id);
    this.#render();
    try {
      const updated = await invoke('set_technician_enabled', { id: t.id, enabled });
      this.pendingToggle.delete(id);
      this.upsert(updated && updated.id !== undefined ? updated : { ...t, enabled });
      const name = (updated && updated.username) || t.username;
      showToast(`Technician "${name}" ${enabled ? 'enabled' : 'disabled'}.`);
    } catch (err) {
      this.pendingToggle.delete(id);
      this.#render();
      routeError(err, {
        not_found: (e) => {
          this.techs.delete(id);
          this.#render();
          toastMessage(e);
        },
        other: toastMessage,
      });
    }
  }

  /** @param {MouseEvent} e */
  #rowClick(e) {
    const btn = /** @type {Element} */ (e.target).closest('button[data-action]');
    if (!(btn instanceof HTMLButtonElement) || !this.tbody.contains(btn) || btn.disabled) return;
    const tr = /** @type {HTMLTableRowElement} */ (btn.closest('tr'));
    const t = this.techs.get(tr.dataset.technicianId ?? '');
    if (!t) return;
    if (btn.dataset.action === 'edit') this.openDialog(t, btn);
    else if (btn.dataset.action === 'disable') this.#setEnabled(t, false);
    else if (btn.dataset.action === 'enable') this.#setEnabled(t, true);
  }
}
