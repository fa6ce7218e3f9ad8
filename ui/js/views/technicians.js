// Settings › Technicians (#technicians-page, admins only) and the Add / Update
// Technician dialog (#technician-dialog): list_technicians, add_technician
// {input}, update_technician {id, input}, set_technician_enabled {id, enabled}.
import { invoke } from '../api.js';
import { byId, el, svg, openDialog, closeDialog, setFieldError, wireDialogClose } from '../dom.js';
import { PENCIL } from '../icons.js';
import { Store } from '../store.js';
import { capitalize } from '../format.js';
import { showToast } from './toast.js';

const MIN_PASSWORD = 10;
// TechnicianInput key -> input id. Error element is #tech-<key>-error.
const FIELDS = {
  username: 'tech-username',
  email: 'tech-email',
  role: 'tech-role',
  password: 'tech-password',
};
const ROLES = ['admin', 'operator', 'guest'];

export function initTechnicians(store) {
  const page = byId('technicians-page');
  const tbody = byId('technicians-tbody');
  const table = byId('technicians-table');
  const emptyEl = byId('technicians-empty');
  const loadingEl = byId('technicians-loading');
  const listError = byId('technicians-error');

  let techs = new Map(); // id -> Technician
  let seq = 0;
  const pendingToggle = new Set();

  // ---------- Table ----------
  function customerNames(t) {
    if (t.allCustomers) return 'All customers';
    const ids = Array.isArray(t.customerIds) ? t.customerIds : [];
    if (!ids.length) return 'No customers';
    const names = ids.map((id) => {
      const c = store.getCustomer(id);
      return c ? String(c.name ?? '') : `Unknown customer (${id})`;
    });
    names.sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true }));
    return names.join(', ');
  }

  function buildRow(t) {
    const me = store.session && String(store.session.username) === String(t.username);
    const enabled = t.enabled !== false;
    const delegated = customerNames(t);
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
    if (pendingToggle.has(String(t.id))) toggle.disabled = true;
    return el('tr', { 'data-technician-id': String(t.id), 'data-username': String(t.username ?? ''), 'data-enabled': enabled ? 'true' : 'false' },
      el('td', { class: 'col-tusername' },
        el('span', { class: 'cell-name', text: String(t.username ?? ''), title: String(t.username ?? '') }),
        me ? el('span', { class: 'you-badge', text: 'you' }) : null),
      el('td', { class: 'col-temail', text: String(t.email ?? ''), title: String(t.email ?? '') }),
      el('td', { class: 'col-trole' }, el('span', { class: 'role-pill', 'data-role': String(t.role ?? ''), text: capitalize(t.role) })),
      el('td', { class: 'col-tcustomers', text: delegated, title: delegated }),
      el('td', { class: 'col-tstatus' }, el('span', { class: 'pill', 'data-kind': enabled ? 'good' : 'neutral', text: enabled ? 'Enabled' : 'Disabled' })),
      el('td', { class: 'col-tactions' },
        el('div', { class: 'row-actions' },
          el('button', { type: 'button', class: 'icon-button action-edit', 'data-action': 'edit', 'aria-label': 'Edit technician', title: 'Edit technician' }, svg(PENCIL)),
          toggle)));
  }

  function sorted() {
    return Array.from(techs.values()).sort((a, b) => Store.compare({ name: a.username }, { name: b.username }));
  }

  function render() {
    const frag = document.createDocumentFragment();
    for (const t of sorted()) frag.append(buildRow(t));
    tbody.replaceChildren(frag);
    const isEmpty = techs.size === 0 && !listError.textContent;
    emptyEl.hidden = !isEmpty;
    table.classList.toggle('is-empty', techs.size === 0);
  }

  function upsert(t) {
    if (!t || t.id === undefined) return;
    techs.set(String(t.id), t);
    render();
    const tr = tbody.querySelector(`tr[data-technician-id="${CSS.escape(String(t.id))}"]`);
    if (tr) tr.classList.add('row-flash');
  }

  async function load() {
    const mine = ++seq;
    loadingEl.hidden = techs.size > 0;
    listError.textContent = '';
    try {
      const list = await invoke('list_technicians');
      if (mine !== seq) return;
      techs = new Map();
      for (const t of Array.isArray(list) ? list : []) techs.set(String(t.id), t);
      render();
    } catch (err) {
      if (mine !== seq || err.code === 'locked') return;
      if (err.code === 'forbidden') showToast(err.message, 'error');
      listError.textContent = `Could not load the technicians: ${err.message}`;
      render();
    } finally {
      if (mine === seq) loadingEl.hidden = true;
    }
  }

  // Customer names appear in the Delegated customers column.
  store.addEventListener('customers-reset', () => { if (!page.hidden && techs.size) render(); });

  async function setEnabled(t, enabled) {
    const id = String(t.id);
    if (pendingToggle.has(id)) return;
    pendingToggle.add(id);
    render();
    try {
      const updated = await invoke('set_technician_enabled', { id: t.id, enabled });
      pendingToggle.delete(id);
      upsert(updated && updated.id !== undefined ? updated : { ...t, enabled });
      const name = (updated && updated.username) || t.username;
      showToast(`Technician "${name}" ${enabled ? 'enabled' : 'disabled'}.`);
    } catch (err) {
      pendingToggle.delete(id);
      render();
      if (err.code === 'locked') return;
      if (err.code === 'not_found') {
        techs.delete(id);
        render();
      }
      showToast(err.message, 'error');
    }
  }

  tbody.addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-action]');
    if (!btn || !tbody.contains(btn) || btn.disabled) return;
    const t = techs.get(btn.closest('tr').dataset.technicianId);
    if (!t) return;
    if (btn.dataset.action === 'edit') dialogApi.open(t, btn);
    else if (btn.dataset.action === 'disable') setEnabled(t, false);
    else if (btn.dataset.action === 'enable') setEnabled(t, true);
  });

  const dialogApi = initTechnicianDialog(store, upsert);
  byId('add-technician-button').addEventListener('click', (e) => dialogApi.open(null, e.currentTarget));

  return {
    shown() {
      if (!store.isAdmin) return;
      load();
    },
    reset() {
      seq += 1;
      techs = new Map();
      pendingToggle.clear();
      tbody.replaceChildren();
      listError.textContent = '';
      emptyEl.hidden = true;
      loadingEl.hidden = true;
      dialogApi.reset();
    },
  };
}

function initTechnicianDialog(store, onSaved) {
  const dialog = byId('technician-dialog');
  const form = byId('technician-form');
  const title = byId('technician-dialog-title');
  const submit = byId('tech-submit');
  const cancel = byId('tech-cancel');
  const formError = byId('tech-form-error');
  const all = byId('tech-all');
  const selected = byId('tech-selected');
  const list = byId('tech-customers');
  const filter = byId('tech-customer-filter');
  const countEl = byId('tech-customers-count');
  const customersError = byId('tech-customerIds-error');
  const passwordHint = byId('tech-password-hint');
  const passwordReq = byId('tech-password-req');

  let editing = null;
  let running = false;
  let returnFocus = null;
  let openSeq = 0;

  const input = (key) => byId(FIELDS[key]);
  const errorEl = (key) => byId(`tech-${key}-error`);

  function clearErrors() {
    for (const key of Object.keys(FIELDS)) setFieldError(input(key), errorEl(key), '');
    setFieldError(list, customersError, '');
    formError.textContent = '';
  }

  function setRunning(on) {
    running = on;
    submit.disabled = on;
    cancel.disabled = on;
    submit.setAttribute('aria-busy', on ? 'true' : 'false');
    form.classList.toggle('is-busy', on);
  }

  function checkboxes() {
    return Array.from(list.querySelectorAll('input[type="checkbox"]'));
  }

  function updateDelegation() {
    const sel = selected.checked;
    list.classList.toggle('is-inactive', !sel);
    filter.hidden = list.children.length < 12;
    const n = checkboxes().filter((c) => c.checked).length;
    countEl.textContent = sel ? (n === 1 ? '1 customer selected' : `${n} customers selected`) : 'Every customer, including ones added later.';
  }

  function fillCustomers(customers, chosen) {
    const frag = document.createDocumentFragment();
    for (const c of customers) {
      const id = String(c.id);
      frag.append(el('label', { class: 'check', 'data-name': String(c.name ?? '').toLowerCase() },
        el('input', { type: 'checkbox', value: id, checked: chosen.has(id) }),
        el('span', { text: String(c.name ?? '') })));
    }
    list.replaceChildren(frag);
    if (!customers.length) list.append(el('p', { class: 'field-hint', text: 'No customers yet.' }));
  }

  async function open(tech, opener) {
    if (running) return;
    const mine = ++openSeq;
    editing = tech || null;
    returnFocus = opener || document.activeElement;
    form.reset();
    clearErrors();
    setRunning(false);
    const isEdit = !!editing;
    title.textContent = isEdit ? 'Update Technician' : 'Add Technician';
    submit.textContent = isEdit ? 'Update Technician' : 'Add Technician';
    passwordHint.textContent = isEdit ? 'Leave empty to keep the current password' : 'At least 10 characters';
    passwordReq.hidden = isEdit;
    dialog.dataset.mode = isEdit ? 'edit' : 'add';
    const chosen = new Set(isEdit && Array.isArray(tech.customerIds) ? tech.customerIds.map(String) : []);
    if (isEdit) {
      input('username').value = String(tech.username ?? '');
      input('email').value = String(tech.email ?? '');
      input('role').value = ROLES.includes(tech.role) ? tech.role : 'operator';
      (tech.allCustomers ? all : selected).checked = true;
    } else {
      input('role').value = 'operator';
      all.checked = true;
    }
    filter.value = '';
    let customers = store.loaded ? store.sortedCustomers() : null;
    fillCustomers(customers || [], chosen);
    updateDelegation();
    openDialog(dialog);
    input('username').focus();
    if (!customers) {
      try {
        customers = await invoke('list_customers');
        if (mine !== openSeq || !dialog.open) return;
        const keep = new Set(checkboxes().filter((c) => c.checked).map((c) => c.value));
        fillCustomers((Array.isArray(customers) ? customers : []).slice().sort(Store.compare), keep.size ? keep : chosen);
        updateDelegation();
      } catch (err) {
        if (mine === openSeq && err.code !== 'locked') formError.textContent = `Could not load the customers: ${err.message}`;
      }
    }
  }

  function read() {
    const ids = checkboxes().filter((c) => c.checked).map((c) => c.value);
    return {
      username: input('username').value.trim(),
      email: input('email').value.trim(),
      role: ROLES.includes(input('role').value) ? input('role').value : 'operator',
      allCustomers: all.checked,
      customerIds: all.checked ? [] : ids,
      password: input('password').value,
    };
  }

  function showErrors(fields, fallback) {
    let first = null;
    const other = [];
    for (const [key, msg] of Object.entries(fields || {})) {
      if (FIELDS[key]) {
        setFieldError(input(key), errorEl(key), msg);
        first = first || input(key);
      } else if (key === 'customerIds') {
        setFieldError(list, customersError, msg);
        first = first || selected;
      } else {
        other.push(msg);
      }
    }
    if (other.length) formError.textContent = other.join(' ');
    else if (!first && fallback) formError.textContent = fallback;
    if (first) first.focus();
    else formError.scrollIntoView({ block: 'nearest' });
  }

  wireDialogClose(dialog, () => !running);
  dialog.addEventListener('close', () => {
    input('password').value = '';
    editing = null;
    openSeq += 1;
    list.replaceChildren(); // thousands of checkboxes: free them
    if (returnFocus && document.contains(returnFocus) && !returnFocus.closest('[hidden]')) {
      try { returnFocus.focus(); } catch { /* ignore */ }
    }
    returnFocus = null;
  });

  for (const key of Object.keys(FIELDS)) {
    const node = input(key);
    node.addEventListener(node.tagName === 'SELECT' ? 'change' : 'input', () => setFieldError(node, errorEl(key), ''));
  }
  form.addEventListener('change', (e) => {
    const t = e.target;
    if (t === all || t === selected) {
      setFieldError(list, customersError, '');
      updateDelegation();
    } else if (t.type === 'checkbox' && list.contains(t)) {
      // Ticking a customer means "Selected customers".
      if (t.checked && !selected.checked) selected.checked = true;
      setFieldError(list, customersError, '');
      updateDelegation();
    }
  });
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const label of list.children) {
      if (label.dataset.name !== undefined) label.hidden = !!q && !label.dataset.name.includes(q);
    }
  });
  // Enter in the filter must not submit the form.
  filter.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (running) return;
    clearErrors();
    const data = read();
    const isEdit = !!editing;
    const errors = {};
    if (!data.username) errors.username = 'Username is required.';
    if (!data.email) errors.email = 'Email is required.';
    if (!data.allCustomers && !data.customerIds.length) errors.customerIds = 'Select at least one customer, or choose All customers.';
    if ((!isEdit || data.password) && data.password.length < MIN_PASSWORD) errors.password = `Password must be at least ${MIN_PASSWORD} characters.`;
    if (Object.keys(errors).length) {
      showErrors(errors);
      return;
    }
    const target = editing;
    setRunning(true);
    try {
      const tech = isEdit
        ? await invoke('update_technician', { id: target.id, input: data })
        : await invoke('add_technician', { input: data });
      setRunning(false);
      closeDialog(dialog);
      onSaved(tech && tech.id !== undefined ? tech : null);
      const name = (tech && tech.username) || data.username;
      showToast(isEdit ? `Technician "${name}" updated.` : `Technician "${name}" added.`);
    } catch (err) {
      setRunning(false);
      if (err.code === 'locked') return;
      if (err.code === 'forbidden') {
        closeDialog(dialog);
        showToast(err.message, 'error');
        return;
      }
      showErrors(err.code === 'validation' || err.code === 'conflict' ? err.fields : {}, err.message);
    }
  });

  return {
    open,
    reset() {
      setRunning(false);
      form.reset();
      clearErrors();
      closeDialog(dialog);
    },
  };
}
