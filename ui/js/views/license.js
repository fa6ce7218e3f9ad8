// Settings › License Management (#license-page) and the Allocation Details box
// (#allocation-dialog).
//   license_overview            -> summary, pool, alert threshold, customers table
//   apply_license {text}        <- #license-file (file picker) or #license-text + #license-apply
//   set_license_alert_threshold {percent}
//   export_license_csv          -> {path}
//   allocation_details {customerId} / update_allocation {customerId, version, allocation}
// Only admins see Apply License, Edit License and the threshold Save (the backend
// refuses with `forbidden` anyway). User text only ever goes through textContent.
import { invoke } from '../api.js';
import { byId, el, svg, setFieldError, openDialog, closeDialog, wireDialogClose } from '../dom.js';
import { formatDate, formatDayHm, formatWhen, formatFull, resourceLabel } from '../format.js';
import { WARN } from '../icons.js';
import { showToast } from './toast.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WHOLE = /^\d+$/;
const NO_LICENSE = 'No MSSP license is applied. Customers can be integrated but Resources cannot be allocated. Apply the license file to allocate.';
const CONFLICT = 'Someone else changed this allocation. The current numbers are shown; edit again.';

const PUSH_BADGE = { applied: 'Applied', pending: 'Pending', failed: 'Failed', none: '—' };
const PUSH_RANK = { none: 0, applied: 1, pending: 2, failed: 3 };

function pushState(v) {
  return v === 'applied' || v === 'pending' || v === 'failed' ? v : 'none';
}

function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** A whole number for display ("—" when missing). */
function count(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return Number.isFinite(n) ? String(n) : '—';
}

function labelOf(r) {
  return r && r.label ? String(r.label) : resourceLabel(r && r.resource);
}

function warnIcon(text) {
  const icon = el('span', { class: 'alloc-alert', role: 'img', 'aria-label': text, title: text });
  icon.append(svg(WARN));
  return icon;
}

function alertText(threshold) {
  return Number.isFinite(threshold) ? `Usage at or above ${threshold} % of the allocation` : 'Usage at or above the alert threshold';
}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Pool bar: allocated share of the total, a thin marker for in use, red beyond the total. */
function poolBar(r) {
  const total = Math.max(0, num(r.total));
  const allocated = Math.max(0, num(r.allocated));
  const inUse = Math.max(0, num(r.inUse));
  const scale = Math.max(total, allocated, inUse, 1);
  const pct = (v) => Math.min(100, (v / scale) * 100);
  const bar = svgEl('svg', { class: 'pool-bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' });
  bar.append(svgEl('rect', { class: 'pool-track', x: 0, y: 0, width: pct(total), height: 10 }));
  const inside = Math.min(allocated, total);
  if (inside > 0) bar.append(svgEl('rect', { class: 'pool-alloc', x: 0, y: 0, width: pct(inside), height: 10 }));
  if (allocated > total) bar.append(svgEl('rect', { class: 'pool-over', x: pct(total), y: 0, width: pct(allocated) - pct(total), height: 10 }));
  const mx = Math.min(99.6, Math.max(0.4, pct(inUse)));
  bar.append(svgEl('line', { class: 'pool-inuse', x1: mx, x2: mx, y1: 0, y2: 10, 'vector-effect': 'non-scaling-stroke' }));
  return bar;
}

export function initLicense(store) {
  const page = byId('license-page');
  const loading = byId('license-loading');
  const loadError = byId('license-load-error');
  const none = byId('license-none');
  const summary = byId('license-summary');
  const expiryWarning = byId('license-expiry-warning');
  const fileInput = byId('license-file');
  const textInput = byId('license-text');
  const applyBtn = byId('license-apply');
  const applyError = byId('license-error');
  const poolCard = byId('license-pool-card');
  const pool = byId('license-pool');
  const thresholdForm = byId('license-threshold-form');
  const thresholdInput = byId('license-threshold');
  const thresholdSave = byId('license-threshold-save');
  const thresholdError = byId('license-threshold-error');
  const table = byId('license-customers');
  const head = byId('license-customers-head');
  const tbody = byId('license-customers-tbody');
  const empty = byId('license-customers-empty');
  const exportBtn = byId('license-export');

  let overview = null;
  let seq = 0;
  let applying = false;
  let sort = { key: 'name', resource: null, dir: 'asc' };

  // ---------------------------------------------------------------- page
  function setLoading(on) {
    loading.hidden = !on;
    if (on) page.setAttribute('aria-busy', 'true');
    else page.removeAttribute('aria-busy');
  }

  function renderSummary(lic) {
    none.hidden = !!lic;
    summary.hidden = !lic;
    if (!lic) {
      expiryWarning.textContent = '';
      expiryWarning.hidden = true;
      return;
    }
    byId('license-licensee').textContent = String(lic.licensee ?? '—');
    byId('license-edition').textContent = String(lic.edition ?? '—');
    byId('license-id').textContent = String(lic.licenseId ?? '—');
    const expiry = byId('license-expiry');
    expiry.textContent = lic.expiresAt ? formatDate(lic.expiresAt) : '—';
    expiry.title = lic.expiresAt ? formatFull(lic.expiresAt) : '';
    let warn = '';
    let kind = '';
    if (lic.expired) {
      warn = `The license expired on ${formatDate(lic.expiresAt)}.`;
      kind = 'expired';
    } else if (lic.expiringSoon) {
      const d = Math.max(0, Math.floor(num(lic.daysLeft)));
      warn = d === 1 ? 'The license expires in 1 day.' : `The license expires in ${d} days.`;
      kind = 'soon';
    }
    expiryWarning.textContent = warn;
    expiryWarning.hidden = !warn;
    expiryWarning.className = `callout ${kind === 'expired' ? 'callout-error' : 'callout-warn'}`;
    expiry.dataset.kind = kind || 'ok';
  }

  function renderPool(resources) {
    poolCard.hidden = !overview || !overview.license;
    const rows = resources.map((r) => {
      const over = Math.max(0, num(r.overBy));
      const numbers = el('p', { class: 'pool-numbers' },
        'Total ', el('strong', { text: count(r.total) }),
        ' · Allocated ', el('strong', { text: count(r.allocated) }),
        ' · In use ', el('strong', { text: count(r.inUse) }),
        ' · Available ', el('strong', { class: 'pool-available', text: count(r.available) }));
      const row = el('div', { class: 'pool-row', dataset: { resource: String(r.resource ?? '') }, 'data-over': over > 0 ? 'true' : 'false' },
        el('div', { class: 'pool-head' }, el('span', { class: 'pool-label', text: labelOf(r) }), numbers),
        poolBar(r));
      if (over > 0) row.append(el('p', { class: 'pool-over-text', role: 'note', text: `Over-allocated by ${over}: reduce allocations before allocating more` }));
      return row;
    });
    pool.replaceChildren(...rows);
  }

  function renderThreshold() {
    const t = overview ? overview.threshold : null;
    if (document.activeElement !== thresholdInput) thresholdInput.value = t === null || t === undefined ? '' : String(t);
    thresholdInput.readOnly = !store.isAdmin;
  }

  function sortValue(c) {
    if (sort.key === 'push') return PUSH_RANK[pushState(c.pushState)];
    if (sort.key === 'resource') return num(c.allocation && c.allocation[sort.resource]);
    return String(c.name ?? '');
  }

  function sortedCustomers() {
    const list = (overview && Array.isArray(overview.customers)) ? overview.customers.slice() : [];
    const byName = (a, b) => String(a.name ?? '').localeCompare(String(b.name ?? ''), undefined, { sensitivity: 'base', numeric: true });
    list.sort((a, b) => {
      const va = sortValue(a), vb = sortValue(b);
      let d = typeof va === 'string' ? byName(a, b) : va - vb;
      if (sort.dir === 'desc') d = -d;
      return d || byName(a, b);
    });
    return list;
  }

  function sortButton(text, key, resource) {
    const ds = { sort: key };
    if (resource) ds.resource = resource;
    const active = sort.key === key && (key !== 'resource' || sort.resource === resource);
    const th = el('th', { scope: 'col', class: `col-sort col-${key}`, 'aria-sort': active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none' },
      el('button', { type: 'button', class: 'sort-button', dataset: ds },
        text, el('span', { class: 'sort-arrow', 'aria-hidden': 'true', 'data-dir': active ? sort.dir : 'none' })));
    return th;
  }

  function renderTable() {
    const resources = overview && Array.isArray(overview.resources) ? overview.resources : [];
    const threshold = overview ? num(overview.threshold) : NaN;
    head.replaceChildren(
      sortButton('Customer Name', 'name'),
      ...resources.map((r) => sortButton(labelOf(r), 'resource', String(r.resource))),
      sortButton('Push state', 'push'),
      el('th', { scope: 'col', class: 'col-lactions' }, el('span', { class: 'visually-hidden', text: 'Actions' })));
    const frag = document.createDocumentFragment();
    for (const c of sortedCustomers()) {
      const alerts = new Set(Array.isArray(c.alerts) ? c.alerts.map(String) : []);
      const usage = c.usage && typeof c.usage === 'object' ? c.usage : null;
      const tr = el('tr', { class: 'license-row', dataset: { customerId: String(c.customerId), customerName: String(c.name ?? '') } },
        el('td', { class: 'cell-name', title: String(c.name ?? '') }, el('span', { class: 'license-name', text: String(c.name ?? '') })));
      for (const r of resources) {
        const key = String(r.resource);
        const alloc = c.allocation ? c.allocation[key] : undefined;
        const used = usage ? usage[key] : null;
        const td = el('td', { class: 'cell-alloc', dataset: { resource: key } },
          el('span', { class: 'alloc-used', text: count(used) }), ' / ', el('span', { class: 'alloc-total', text: count(alloc ?? 0) }));
        if (alerts.has(key)) {
          td.dataset.alert = 'true';
          td.append(warnIcon(alertText(threshold)));
        }
        tr.append(td);
      }
      const ps = pushState(c.pushState);
      tr.append(
        el('td', { class: 'cell-push' }, el('span', { class: 'push-badge', 'data-push': ps, text: PUSH_BADGE[ps] })),
        el('td', { class: 'col-lactions' }, el('button', { type: 'button', class: 'btn btn-secondary btn-small allocation-open', 'aria-label': `Allocation Details of ${c.name ?? ''}` }, 'Allocation Details')));
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    const emptyList = !tbody.rows.length;
    empty.hidden = !emptyList;
    table.classList.toggle('is-empty', emptyList);
  }

  function render() {
    const lic = overview ? overview.license : null;
    renderSummary(lic);
    renderPool(overview && Array.isArray(overview.resources) ? overview.resources : []);
    renderThreshold();
    renderTable();
    box.licenseKnown(!!lic);
  }

  function setOverview(o) {
    overview = o && typeof o === 'object' ? o : null;
    render();
  }

  async function load() {
    const mine = ++seq;
    setLoading(true);
    try {
      const o = await invoke('license_overview');
      if (mine !== seq) return;
      loadError.textContent = '';
      setOverview(o);
    } catch (err) {
      if (mine !== seq || err.code === 'locked') return;
      loadError.textContent = err.code === 'forbidden' ? err.message : `Could not load the license: ${err.message}`;
    } finally {
      if (mine === seq) setLoading(false);
    }
  }

  // ---------------------------------------------------------------- Apply License
  function setApplying(on) {
    applying = on;
    applyBtn.disabled = on;
    fileInput.disabled = on;
    textInput.readOnly = on;
    applyBtn.setAttribute('aria-busy', on ? 'true' : 'false');
    applyBtn.textContent = on ? 'Applying…' : 'Apply License';
  }

  async function apply(text) {
    if (applying) return;
    setFieldError(textInput, applyError, '');
    if (!String(text || '').trim()) {
      setFieldError(textInput, applyError, "Choose the license file or paste its content.");
      return;
    }
    setApplying(true);
    try {
      const o = await invoke('apply_license', { text: String(text) });
      seq++; // newer than any overview still on its way
      setLoading(false);
      loadError.textContent = '';
      setOverview(o);
      textInput.value = '';
      showToast('License applied.');
    } catch (err) {
      if (err.code === 'locked') return;
      const msg = err.code === 'validation' ? (err.fields.license || err.message) : err.message;
      setFieldError(textInput, applyError, msg);
    } finally {
      setApplying(false);
      fileInput.value = ''; // choosing the same file again fires change again
    }
  }

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    let text;
    try {
      text = await file.text();
    } catch (e) {
      setFieldError(textInput, applyError, `Could not read ${file.name}: ${e && e.message ? e.message : e}`);
      fileInput.value = '';
      return;
    }
    apply(text);
  });
  applyBtn.addEventListener('click', () => apply(textInput.value));
  textInput.addEventListener('input', () => {
    if (applyError.textContent) setFieldError(textInput, applyError, '');
  });

  // ---------------------------------------------------------------- threshold
  thresholdForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!store.isAdmin || thresholdSave.disabled) return;
    const raw = thresholdInput.value.trim();
    const n = parseInt(raw, 10);
    if (!WHOLE.test(raw) || n < 50 || n > 100) {
      setFieldError(thresholdInput, thresholdError, 'Enter a whole number from 50 to 100.');
      thresholdInput.focus();
      return;
    }
    setFieldError(thresholdInput, thresholdError, '');
    thresholdSave.disabled = true;
    thresholdSave.textContent = 'Saving…';
    try {
      const o = await invoke('set_license_alert_threshold', { percent: n });
      seq++;
      setLoading(false);
      thresholdInput.blur();
      setOverview(o);
      showToast('Alert threshold saved.');
    } catch (err) {
      if (err.code === 'locked') return;
      const f = err.fields || {};
      setFieldError(thresholdInput, thresholdError, f.percent || f.threshold || err.message);
    } finally {
      thresholdSave.disabled = false;
      thresholdSave.textContent = 'Save';
    }
  });
  thresholdInput.addEventListener('input', () => {
    if (thresholdError.textContent) setFieldError(thresholdInput, thresholdError, '');
  });

  // ---------------------------------------------------------------- table
  head.addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-sort]');
    if (!btn || !head.contains(btn)) return;
    const key = btn.dataset.sort;
    const resource = btn.dataset.resource || null;
    const same = sort.key === key && sort.resource === resource;
    sort = { key, resource, dir: same && sort.dir === 'asc' ? 'desc' : 'asc' };
    renderTable();
    const again = head.querySelector(resource
      ? `button[data-sort="resource"][data-resource="${CSS.escape(resource)}"]`
      : `button[data-sort="${CSS.escape(key)}"]`);
    if (again) again.focus();
  });

  tbody.addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-customer-id]');
    if (!tr || !tbody.contains(tr)) return;
    const btn = e.target.closest('button.allocation-open');
    box.open(tr.dataset.customerId, tr.dataset.customerName, btn || tr.querySelector('button.allocation-open'));
  });

  // ---------------------------------------------------------------- Export CSV
  exportBtn.addEventListener('click', async () => {
    if (exportBtn.disabled) return;
    exportBtn.disabled = true;
    exportBtn.setAttribute('aria-busy', 'true');
    try {
      const res = await invoke('export_license_csv');
      showToast(`Saved to ${res && res.path ? res.path : 'the Downloads folder'}`);
    } catch (err) {
      if (err.code !== 'locked') showToast(`Export failed: ${err.message}`, 'error');
    } finally {
      exportBtn.disabled = false;
      exportBtn.removeAttribute('aria-busy');
    }
  });

  const box = initAllocationBox(store, {
    threshold: () => (overview ? num(overview.threshold) : NaN),
    hasLicense: () => (overview ? !!overview.license : null),
    onChanged: () => load(),
  });

  return {
    /** Settings › License Management was shown. */
    shown() {
      load();
    },
    /** license-changed: reload what is shown. */
    changed() {
      if (!page.hidden) load();
      else overview = null;
      box.changed();
    },
    /** Open the Allocation Details box for a customer (from Customer Management). */
    openAllocation(customerId, name, opener) {
      box.open(customerId, name, opener);
    },
    reset() {
      seq++;
      overview = null;
      box.reset();
      setApplying(false);
      setLoading(false);
      loadError.textContent = '';
      textInput.value = '';
      fileInput.value = '';
      setFieldError(textInput, applyError, '');
      setFieldError(thresholdInput, thresholdError, '');
      none.hidden = true;
      summary.hidden = true;
      poolCard.hidden = true;
      pool.replaceChildren();
      head.replaceChildren();
      tbody.replaceChildren();
      empty.hidden = true;
    },
  };
}

// -------------------------------------------------------------------- Allocation Details box
function initAllocationBox(store, { threshold, hasLicense, onChanged }) {
  const dialog = byId('allocation-dialog');
  const form = byId('allocation-form');
  const title = byId('allocation-title');
  const editBtn = byId('allocation-edit');
  const updateBtn = byId('allocation-update');
  const cancelBtn = byId('allocation-cancel');
  const closeBtn = byId('allocation-close');
  const noneNote = byId('allocation-none');
  const loading = byId('allocation-loading');
  const table = byId('allocation-table');
  const rows = byId('allocation-rows');
  const pushEl = byId('allocation-push-state');
  const changedEl = byId('allocation-changed');
  const usageAtEl = byId('allocation-usage-at');
  const errorEl = byId('allocation-error');

  let customerId = null;
  let name = '';
  let details = null;
  let editing = false;
  let busy = false;
  let noLicense = false;
  let seq = 0;
  let opener = null;

  wireDialogClose(dialog, () => !busy);
  dialog.addEventListener('close', () => {
    seq++;
    editing = false;
    busy = false;
    customerId = null;
    details = null;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });

  function setTitle() {
    title.textContent = name ? `Allocation Details — ${name}` : 'Allocation Details';
  }

  function updateButtons() {
    const canEdit = store.isAdmin && !!details && !noLicense;
    editBtn.hidden = !canEdit || editing;
    noneNote.hidden = !noLicense;
    updateBtn.hidden = !editing;
    cancelBtn.hidden = !editing;
    closeBtn.hidden = editing;
    updateBtn.disabled = busy;
    cancelBtn.disabled = busy;
    updateBtn.textContent = busy ? 'Updating…' : 'Update';
    if (busy) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
  }

  function renderFacts() {
    const d = details || {};
    const ps = pushState(d.pushState);
    pushEl.dataset.push = ps;
    if (!details) pushEl.textContent = '';
    else if (ps === 'applied') pushEl.textContent = 'Applied on the instance';
    else if (ps === 'pending') pushEl.textContent = 'Pending: will be pushed at the next successful sync';
    else if (ps === 'failed') pushEl.textContent = `Failed: ${d.pushReason ? String(d.pushReason) : 'the instance did not accept the allocation'}`;
    else pushEl.textContent = 'Nothing to push yet';
    if (!details) changedEl.textContent = '';
    else if (d.changedAt) changedEl.textContent = d.changedBy ? `Changed by ${d.changedBy}, ${formatDayHm(d.changedAt)}` : `Changed ${formatDayHm(d.changedAt)}`;
    else changedEl.textContent = 'Never changed';
    changedEl.title = d.changedAt ? formatFull(d.changedAt) : '';
    if (!details) usageAtEl.textContent = '';
    else usageAtEl.textContent = d.usageAt ? `At the last sync, ${formatWhen(d.usageAt)}` : 'Not yet: usage arrives with the first sync';
    usageAtEl.title = d.usageAt ? formatFull(d.usageAt) : '';
  }

  function renderRows() {
    const d = details;
    const resources = d && Array.isArray(d.resources) ? d.resources : [];
    const usage = d && d.usage && typeof d.usage === 'object' ? d.usage : null;
    const alerts = new Set(d && Array.isArray(d.alerts) ? d.alerts.map(String) : []);
    const t = threshold();
    const out = resources.map((r, i) => {
      const key = String(r.resource);
      const alloc = d.allocation ? d.allocation[key] : undefined;
      const used = usage ? usage[key] : null;
      const labelId = `alloc-label-${i}`;
      const allocCell = el('td', { class: 'alloc-cell' });
      if (editing) {
        const input = el('input', {
          type: 'number', min: '0', step: '1', inputmode: 'numeric', class: 'alloc-input',
          id: `alloc-input-${i}`, 'aria-labelledby': labelId, autocomplete: 'off', dataset: { resource: key },
        });
        input.value = String(num(alloc));
        allocCell.append(input, el('p', { class: 'field-error alloc-error', id: `alloc-error-${i}`, dataset: { resource: key } }));
      } else {
        allocCell.append(el('span', { class: 'alloc-value', text: count(alloc ?? 0) }));
      }
      const usageCell = el('td', { class: 'alloc-usage' }, el('span', { text: `in use ${count(used)}` }));
      if (alerts.has(key)) usageCell.append(warnIcon(alertText(t)));
      const tr = el('tr', { dataset: { resource: key } },
        el('th', { scope: 'row', id: labelId, class: 'alloc-label', text: labelOf(r) }),
        allocCell,
        usageCell,
        el('td', { class: 'alloc-col-free', title: `Pool total ${count(r.total)}` }, `up to ${count(r.available)}`));
      if (alerts.has(key)) tr.dataset.alert = 'true';
      return tr;
    });
    rows.replaceChildren(...out);
    table.hidden = !out.length;
  }

  function render() {
    renderRows();
    renderFacts();
    updateButtons();
  }

  function errorFor(key) {
    return rows.querySelector(`.alloc-error[data-resource="${CSS.escape(key)}"]`);
  }

  function inputFor(key) {
    return rows.querySelector(`.alloc-input[data-resource="${CSS.escape(key)}"]`);
  }

  function clearErrors() {
    errorEl.textContent = '';
    for (const input of rows.querySelectorAll('.alloc-input')) {
      const e = errorFor(input.dataset.resource);
      if (e) setFieldError(input, e, '');
    }
  }

  async function load(notice = '') {
    if (customerId === null) return;
    const mine = ++seq;
    const id = customerId;
    loading.hidden = false;
    try {
      const d = await invoke('allocation_details', { customerId: id });
      if (mine !== seq) return;
      details = d && typeof d === 'object' ? d : null;
      if (details && details.name) {
        name = String(details.name);
        setTitle();
      }
      const known = hasLicense();
      noLicense = known === false || !(details && Array.isArray(details.resources) && details.resources.length);
      if (noLicense) editing = false;
      errorEl.textContent = notice;
      render();
    } catch (err) {
      if (mine !== seq || err.code === 'locked') return;
      if (err.code === 'no_license') {
        noLicense = true;
        editing = false;
        errorEl.textContent = '';
      } else {
        errorEl.textContent = err.code === 'not_found' || err.code === 'forbidden'
          ? err.message
          : `Could not load the allocation: ${err.message}`;
      }
      updateButtons();
    } finally {
      if (mine === seq) loading.hidden = true;
    }
  }

  function startEdit() {
    if (!details || noLicense || busy || !store.isAdmin) return;
    editing = true;
    errorEl.textContent = '';
    render();
    const first = rows.querySelector('.alloc-input');
    if (first) {
      first.focus();
      first.select();
    }
  }

  function cancelEdit() {
    if (busy) return;
    editing = false;
    errorEl.textContent = '';
    render();
    if (!editBtn.hidden) editBtn.focus();
  }

  async function update() {
    if (!editing || busy || !details) return;
    clearErrors();
    const allocation = {};
    let firstBad = null;
    for (const input of rows.querySelectorAll('.alloc-input')) {
      const key = input.dataset.resource;
      const raw = input.value.trim();
      const n = parseInt(raw, 10);
      if (!WHOLE.test(raw) || !Number.isSafeInteger(n)) {
        setFieldError(input, errorFor(key), 'Enter a whole number, 0 or more.');
        firstBad = firstBad || input;
      } else {
        allocation[key] = n;
      }
    }
    if (firstBad) {
      firstBad.focus();
      return;
    }
    busy = true;
    updateButtons();
    for (const input of rows.querySelectorAll('.alloc-input')) input.readOnly = true;
    const id = customerId;
    const mine = ++seq;
    try {
      const d = await invoke('update_allocation', { customerId: id, version: details.version, allocation });
      if (mine !== seq) return;
      busy = false;
      editing = false;
      details = d && typeof d === 'object' ? d : details;
      if (details && details.name) name = String(details.name);
      setTitle();
      render();
      if (!editBtn.hidden) editBtn.focus();
      showToast(`License allocation updated for ${name}.`);
      onChanged();
    } catch (err) {
      if (mine !== seq) return;
      busy = false;
      for (const input of rows.querySelectorAll('.alloc-input')) input.readOnly = false;
      updateButtons();
      if (err.code === 'locked') return;
      if (err.code === 'conflict') {
        editing = false;
        await load(CONFLICT);
        onChanged();
        return;
      }
      if (err.code === 'no_license') {
        editing = false;
        noLicense = true;
        render();
        errorEl.textContent = err.message || NO_LICENSE;
        onChanged();
        return;
      }
      let first = null;
      const other = [];
      if (err.code === 'validation') {
        for (const [key, msg] of Object.entries(err.fields)) {
          const input = inputFor(key);
          const holder = errorFor(key);
          if (input && holder) {
            setFieldError(input, holder, msg);
            first = first || input;
          } else {
            other.push(String(msg));
          }
        }
      }
      if (other.length) errorEl.textContent = other.join(' ');
      else if (!first) errorEl.textContent = err.message;
      if (first) first.focus();
    }
  }

  editBtn.addEventListener('click', startEdit);
  cancelBtn.addEventListener('click', cancelEdit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    update();
  });
  rows.addEventListener('input', (e) => {
    const input = e.target.closest('.alloc-input');
    if (!input) return;
    const holder = errorFor(input.dataset.resource);
    if (holder && holder.textContent) setFieldError(input, holder, '');
  });
  dialog.addEventListener('cancel', (e) => {
    if (editing && !busy) {
      e.preventDefault();
      cancelEdit();
    }
  });
  dialog.addEventListener('keydown', (e) => {
    // Escape while editing leaves edit mode instead of closing the box.
    if (e.key === 'Escape' && editing) {
      e.preventDefault();
      cancelEdit();
    }
  });

  return {
    open(id, customerName, from) {
      if (busy && dialog.open) return;
      seq++;
      customerId = String(id);
      name = customerName ? String(customerName) : '';
      details = null;
      editing = false;
      busy = false;
      noLicense = hasLicense() === false;
      opener = from || null;
      setTitle();
      errorEl.textContent = '';
      rows.replaceChildren();
      table.hidden = true;
      renderFacts();
      updateButtons();
      openDialog(dialog);
      load();
    },
    /** The page learnt whether a license is applied. */
    licenseKnown(applied) {
      if (!dialog.open) return;
      const before = noLicense;
      if (!applied) {
        noLicense = true;
        editing = editing && !busy ? false : editing;
      } else if (details && Array.isArray(details.resources) && details.resources.length) {
        noLicense = false;
      }
      if (before !== noLicense) render();
    },
    /** license-changed: reload an open box unless the user is editing it. */
    changed() {
      if (dialog.open && !editing && !busy) load();
    },
    reset() {
      seq++;
      busy = false;
      editing = false;
      details = null;
      customerId = null;
      opener = null;
      rows.replaceChildren();
      errorEl.textContent = '';
      closeDialog(dialog);
    },
  };
}
