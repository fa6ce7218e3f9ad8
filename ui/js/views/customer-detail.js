// Customer detail (#customer-detail-dialog): current state, uptime, an hourly
// availability/latency chart (inline SVG, no library), recent state changes
// and "Check now". Data from customer_health {id}; check_customer_now {id}.
// Tabs Components / Technicians / License / Sync history show the last synced
// snapshot from customer_details {id}; "Sync Now" runs sync_customer {id}.
import { invoke } from '../api.js';
import { byId, el, svg, openDialog, closeDialog, wireDialogClose } from '../dom.js';
import { SERVER_HEALTH } from '../icons.js';
import {
  normState, isWarning, STATE_NAME, toDate, formatTime, formatWhen, formatFull,
  formatDuration, formatPercent, formatLatency,
  formatDayHm, formatDate, formatAgo, resourceLabel, capitalize, syncState,
} from '../format.js';
import { applyHealth, syncCustomer, toastError } from './customers.js';
import { showToast } from './toast.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const HOUR_MS = 3600_000;

// Chart geometry (viewBox units; the SVG scales to the dialog width).
const CHART = { w: 640, h: 190, left: 40, right: 56, top: 12, bottom: 30 };

function s(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function axisTime(d) {
  const day = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
  return `${day} ${formatTime(d).slice(0, 5)}`;
}

/**
 * Render hourly [{hour, checks, failures, avgLatencyMs}] into the SVG.
 * Bars: height = availability (successful / checks), green without failures,
 * red with any failure (the failed share drawn pale red above). Latency: a
 * polyline scaled to the max average latency (gaps where there is no value).
 */
export function renderChart(svgEl, hourly) {
  const points = [];
  for (const h of Array.isArray(hourly) ? hourly : []) {
    const d = toDate(h && h.hour);
    if (!d) continue;
    const checks = Math.max(0, Number(h.checks) || 0);
    const failures = Math.min(checks, Math.max(0, Number(h.failures) || 0));
    const lat = h.avgLatencyMs === null || h.avgLatencyMs === undefined ? null : Number(h.avgLatencyMs);
    points.push({ t: d.getTime(), checks, failures, lat: Number.isFinite(lat) ? lat : null });
  }
  points.sort((a, b) => a.t - b.t);
  svgEl.replaceChildren();
  if (!points.some((p) => p.checks > 0)) return null;

  const { w, h, left, right, top, bottom } = CHART;
  const plotW = w - left - right;
  const plotH = h - top - bottom;
  const start = points[0].t;
  const end = points[points.length - 1].t + HOUR_MS;
  const hours = Math.max(1, Math.round((end - start) / HOUR_MS));
  const slot = plotW / hours;
  const gap = slot > 4 ? Math.min(2, slot * 0.2) : 0;
  const x = (t) => left + ((t - start) / (end - start)) * plotW;
  const maxLat = Math.max(0, ...points.map((p) => (p.lat === null ? 0 : p.lat)));
  const yLat = (v) => top + plotH - (maxLat > 0 ? (v / maxLat) * plotH : 0);

  // Grid and axes.
  const grid = s('g', { class: 'chart-grid' });
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH - f * plotH;
    grid.append(s('line', { x1: left, x2: left + plotW, y1: y, y2: y }));
  }
  svgEl.append(grid);

  const bars = s('g', { class: 'chart-bars' });
  let failedHours = 0;
  for (const p of points) {
    if (p.checks === 0) continue;
    const avail = (p.checks - p.failures) / p.checks;
    const bx = x(p.t) + gap / 2;
    const bw = Math.max(0.8, slot - gap);
    const bh = avail * plotH;
    const when = `${axisTime(new Date(p.t))}: ${p.checks - p.failures}/${p.checks} checks ok`;
    if (p.failures > 0) {
      failedHours += 1;
      const miss = s('rect', { x: bx, y: top, width: bw, height: plotH - bh, class: 'bar-miss' });
      miss.append(s('title', {}, when));
      bars.append(miss);
    }
    if (bh > 0) {
      const bar = s('rect', { x: bx, y: top + plotH - bh, width: bw, height: bh, class: p.failures > 0 ? 'bar-fail' : 'bar-ok' });
      bar.append(s('title', {}, when + (p.lat !== null ? ` · ${Math.round(p.lat)} ms` : '')));
      bars.append(bar);
    }
  }
  svgEl.append(bars);

  // Latency polyline(s), broken where an hour has no latency.
  const lat = s('g', { class: 'chart-latency' });
  let seg = [];
  const flush = () => {
    if (seg.length === 1) lat.append(s('circle', { cx: seg[0][0], cy: seg[0][1], r: 1.8 }));
    else if (seg.length > 1) {
      const pts = seg.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
      lat.append(s('polyline', { points: pts, class: 'latency-halo' }), s('polyline', { points: pts }));
    }
    seg = [];
  };
  let prevT = null;
  for (const p of points) {
    if (p.lat === null || (prevT !== null && p.t - prevT > HOUR_MS * 1.5)) flush();
    if (p.lat !== null) seg.push([x(p.t) + slot / 2, yLat(p.lat)]);
    prevT = p.t;
  }
  flush();
  svgEl.append(lat);

  // Axis labels.
  const labels = s('g', { class: 'chart-labels' });
  labels.append(s('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, '100 %'));
  labels.append(s('text', { x: left - 6, y: top + plotH, 'text-anchor': 'end' }, '0 %'));
  labels.append(s('text', { x: left, y: h - 8, 'text-anchor': 'start' }, axisTime(new Date(start))));
  labels.append(s('text', { x: left + plotW, y: h - 8, 'text-anchor': 'end' }, axisTime(new Date(end))));
  svgEl.append(labels);
  if (maxLat > 0) {
    const ll = s('g', { class: 'chart-labels chart-labels-latency' });
    ll.append(s('text', { x: left + plotW + 6, y: top + 4, 'text-anchor': 'start' }, `${Math.round(maxLat)} ms`));
    ll.append(s('text', { x: left + plotW + 6, y: top + plotH, 'text-anchor': 'start' }, '0 ms'));
    svgEl.append(ll);
  }
  svgEl.append(s('line', { x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH, class: 'chart-axis' }));

  return {
    start, end, hours, failedHours, maxLat,
    description: `Hourly availability from ${axisTime(new Date(start))} to ${axisTime(new Date(end))}: `
      + `${failedHours} of ${points.filter((p) => p.checks > 0).length} hours had failed checks`
      + (maxLat > 0 ? `; highest average latency ${Math.round(maxLat)} ms.` : '.'),
  };
}

export function initCustomerDetail(store) {
  const dialog = byId('customer-detail-dialog');
  const title = byId('detail-title');
  const icon = byId('detail-health-icon');
  const stateEl = byId('detail-state');
  const sinceEl = byId('detail-since');
  const warningEl = byId('detail-warning');
  const connEl = byId('detail-connection');
  const buildEl = byId('detail-build');
  const checkedEl = byId('detail-checked');
  const latencyEl = byId('detail-latency');
  const reasonEl = byId('detail-reason');
  const up24 = byId('detail-uptime-24h');
  const up7 = byId('detail-uptime-7d');
  const chart = byId('detail-chart');
  const chartDesc = byId('detail-chart-desc');
  const chartEmpty = byId('detail-chart-empty');
  const eventsEl = byId('detail-events');
  const eventsEmpty = byId('detail-events-empty');
  const errorEl = byId('detail-error');
  const loadingEl = byId('detail-loading');
  const checkBtn = byId('detail-check-now');
  const closeBtn = byId('detail-close');
  const syncNowBtn = byId('detail-sync-now');
  const syncedAtEl = byId('detail-synced-at');
  const syncStateEl = byId('detail-sync-state');
  const tabList = byId('detail-tabs');
  const tabs = Array.from(tabList.querySelectorAll('[role="tab"]'));
  const panels = Array.from(dialog.querySelectorAll('.detail-panel'));
  const P = {
    components: byId('detail-components'),
    technicians: byId('detail-technicians'),
    license: byId('detail-license'),
    sync: byId('detail-sync-runs'),
  };

  icon.append(svg(SERVER_HEALTH));

  let currentId = null; // customer shown, null when closed
  let detail = null; // last HealthDetail for currentId
  let loadSeq = 0; // ignore answers for a customer no longer shown
  let checking = false;
  let tick = null;
  let refetchTimer = null;
  let returnFocus = null;
  let details = null; // last CustomerDetails for currentId
  let detailsError = '';
  let detailsSeq = 0;
  let detailsTimer = null;
  let syncBusy = false;

  wireDialogClose(dialog);
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) closeDialog(dialog); // backdrop
  });
  dialog.addEventListener('close', () => {
    currentId = null;
    detail = null;
    loadSeq += 1;
    clearInterval(tick);
    tick = null;
    clearTimeout(refetchTimer);
    refetchTimer = null;
    details = null;
    detailsSeq += 1;
    clearTimeout(detailsTimer);
    detailsTimer = null;
    if (returnFocus && document.contains(returnFocus) && !returnFocus.closest('[hidden]')) {
      try { returnFocus.focus(); } catch { /* ignore */ }
    }
    returnFocus = null;
  });

  function sinceValue(health) {
    const state = normState(health);
    if (detail && normState(detail.health) === state && detail.since) return detail.since;
    return store.sinceFor(currentId, state);
  }

  /** Header part: from the customer (store) plus `since` from the detail. */
  function renderCustomer() {
    const c = store.getCustomer(currentId);
    if (!c) return;
    title.textContent = String(c.name ?? '');
    const port = c.port === null || c.port === undefined ? '' : `:${c.port}`;
    connEl.textContent = `${c.server ?? ''}${port} · ${c.connectionType ?? ''}`;
    buildEl.textContent = c.build === null || c.build === undefined || c.build === '' ? '—' : String(c.build);

    const health = c.health || {};
    const state = normState(health);
    const since = sinceValue(health);
    applyHealth(icon, health, since);
    const warning = isWarning(health);
    stateEl.textContent = warning ? 'Up with a warning' : state === 'unknown' && !toDate(health.checkedAt) ? 'Not checked yet' : STATE_NAME[state];
    stateEl.dataset.state = state;
    renderSince(state, since);
    warningEl.textContent = warning ? `Warning: ${health.reason}` : '';

    const checked = toDate(health.checkedAt);
    const today = checked && checked.toDateString() === new Date().toDateString();
    checkedEl.textContent = !checked ? 'Never' : today ? formatTime(checked) : formatFull(checked);
    checkedEl.title = checked ? formatFull(checked) : '';
    latencyEl.textContent = formatLatency(health.latencyMs);
    reasonEl.textContent = health.reason ? String(health.reason) : '—';
  }

  function renderSince(state, since) {
    const d = toDate(since);
    if (!d || state === 'unknown') {
      sinceEl.textContent = '';
      sinceEl.title = '';
      return;
    }
    const dur = formatDuration(Date.now() - d.getTime());
    sinceEl.textContent = `${STATE_NAME[state]} for ${dur} · since ${formatWhen(d)}`;
    sinceEl.title = formatFull(d);
  }

  function renderDetail() {
    if (!detail) return;
    up24.textContent = formatPercent(detail.uptime24h);
    up7.textContent = formatPercent(detail.uptime7d);
    for (const [node, v] of [[up24, detail.uptime24h], [up7, detail.uptime7d]]) {
      const n = Number(v);
      node.dataset.level = v === null || v === undefined || !Number.isFinite(n) ? 'none' : n >= 99 ? 'good' : n >= 95 ? 'fair' : 'poor';
    }

    const info = renderChart(chart, detail.hourly);
    chart.hidden = !info;
    chartEmpty.hidden = !!info;
    chartDesc.textContent = info ? info.description : 'No check history yet.';

    const frag = document.createDocumentFragment();
    const now = new Date();
    for (const ev of Array.isArray(detail.events) ? detail.events : []) {
      const from = STATE_NAME[normState({ state: ev.from })];
      const to = normState({ state: ev.to });
      const li = el('li', { class: 'detail-event', 'data-to': to },
        el('time', { class: 'event-time', datetime: toDate(ev.at) ? toDate(ev.at).toISOString() : '', title: formatFull(ev.at), text: formatWhen(ev.at, now) }),
        el('span', { class: 'event-change', text: `${from} → ${STATE_NAME[to]}` }),
        ev.reason ? el('span', { class: 'event-reason', text: `· ${ev.reason}` }) : null);
      frag.append(li);
    }
    eventsEl.replaceChildren(frag);
    eventsEmpty.hidden = eventsEl.children.length > 0;
  }

  async function load() {
    const id = currentId;
    const seq = ++loadSeq;
    loadingEl.hidden = false;
    try {
      const d = await invoke('customer_health', { id });
      if (seq !== loadSeq || id !== currentId) return;
      detail = d || null;
      if (detail) {
        // Newer health from the detail wins over what the table had.
        if (detail.health) store.setHealth(id, detail.health);
        store.setSince(id, normState(detail.health || (store.getCustomer(id) || {}).health), detail.since || null);
      }
      errorEl.textContent = '';
      renderCustomer();
      renderDetail();
    } catch (err) {
      if (seq !== loadSeq || id !== currentId) return;
      if (err.code === 'locked') return;
      if (err.code === 'not_found') {
        closeDialog(dialog);
        store.removeCustomer(id);
        showToast(err.message, 'error');
        return;
      }
      errorEl.textContent = `Could not load the health history: ${err.message}`;
    } finally {
      if (seq === loadSeq) loadingEl.hidden = true;
    }
  }

  function setChecking(on) {
    checking = on;
    checkBtn.disabled = on;
    checkBtn.setAttribute('aria-busy', on ? 'true' : 'false');
    checkBtn.textContent = on ? 'Checking…' : 'Check now';
  }

  checkBtn.addEventListener('click', async () => {
    if (checking || currentId === null) return;
    const id = currentId;
    errorEl.textContent = '';
    setChecking(true);
    try {
      const customer = await invoke('check_customer_now', { id });
      if (customer && customer.id !== undefined) store.upsertCustomer(customer); // updates the table row too
      if (id === currentId) {
        renderCustomer();
        await load();
      }
    } catch (err) {
      if (err.code === 'locked') return;
      if (err.code === 'not_found') {
        if (id === currentId) closeDialog(dialog);
        store.removeCustomer(id);
        showToast(err.message, 'error');
        return;
      }
      if (err.code === 'forbidden') {
        showToast(err.message, 'error');
      } else if (id === currentId) {
        errorEl.textContent = err.message;
        errorEl.scrollIntoView({ block: 'nearest' });
      } else {
        showToast(err.message, 'error');
      }
    } finally {
      const hadFocus = document.activeElement === checkBtn || document.activeElement === document.body;
      setChecking(false);
      // A disabled button drops focus: give it back for keyboard users.
      if (dialog.open && hadFocus) checkBtn.focus();
    }
  });

  // Live: the open customer's health changed (event or another view).
  store.addEventListener('health-changed', (e) => {
    if (currentId === null || e.detail.id !== String(currentId)) return;
    const prevState = detail ? normState(detail.health) : null;
    renderCustomer();
    // A state change adds an event and a new "since": fetch the detail again
    // (debounced, and not while Check now is fetching it anyway).
    if (prevState !== null && prevState !== normState(e.detail.health) && !checking) {
      clearTimeout(refetchTimer);
      refetchTimer = setTimeout(() => { if (currentId !== null) load(); }, 500);
    }
  });
  store.addEventListener('customer-upserted', (e) => {
    if (currentId !== null && String(e.detail.customer.id) === String(currentId)) renderCustomer();
  });
  store.addEventListener('customer-removed', (e) => {
    if (currentId !== null && e.detail.id === String(currentId)) closeDialog(dialog);
  });

  // ---------- Tabs ----------
  function selectTab(name, focus = false) {
    for (const t of tabs) {
      const on = t.dataset.tab === name;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    }
    for (const p of panels) p.hidden = p.dataset.panel !== name;
    dialog.dataset.tab = name;
  }
  tabList.addEventListener('click', (e) => {
    const t = e.target.closest('[role="tab"]');
    if (t && tabList.contains(t)) selectTab(t.dataset.tab);
  });
  tabList.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    let next = null;
    if (e.key === 'ArrowRight') next = tabs[(i + 1) % tabs.length];
    else if (e.key === 'ArrowLeft') next = tabs[(i - 1 + tabs.length) % tabs.length];
    else if (e.key === 'Home') next = tabs[0];
    else if (e.key === 'End') next = tabs[tabs.length - 1];
    if (!next) return;
    e.preventDefault();
    selectTab(next.dataset.tab, true);
  });

  // ---------- Synced snapshot ----------
  function table(cls, headers, rows) {
    return el('table', { class: `data-table detail-table ${cls}` },
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', { text: c ?? '', title: c ?? '' })))))));
  }
  const empty = (text) => el('p', { class: 'detail-empty', text });
  const badge = (text, kind) => el('span', { class: 'pill', 'data-kind': kind, text });
  const when = (v) => (toDate(v) ? el('time', { datetime: toDate(v).toISOString(), title: formatFull(v), text: formatWhen(v) }) : '—');

  function ms(v) {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) return '—';
    if (n < 1000) return `${Math.round(n)} ms`;
    if (n < 60000) return `${(n / 1000).toFixed(1)} s`;
    return `${Math.floor(n / 60000)} min ${Math.round((n % 60000) / 1000)} s`;
  }

  /** "Data collected 12 min ago (25 Nov 12:03)" / "Offline data from 3 h ago" / "Never synced". */
  function renderSyncedAt() {
    const c = store.getCustomer(currentId);
    const sync = (c && c.sync) || (details && details.sync) || null;
    const state = syncState(sync);
    const at = details ? (details.collectedAt || details.syncedAt) : null;
    const d = toDate(at);
    if (!details && !detailsError) {
      syncedAtEl.textContent = 'Loading the collected data…';
      syncedAtEl.dataset.age = 'loading';
      syncedAtEl.title = '';
    } else if (!d) {
      syncedAtEl.textContent = store.isGuest ? 'Never synced' : 'Never synced — click Sync Now';
      syncedAtEl.dataset.age = 'never';
      syncedAtEl.title = '';
    } else {
      const age = Date.now() - d.getTime();
      const old = age > HOUR_MS;
      syncedAtEl.textContent = old
        ? `Offline data from ${formatAgo(age)} (${formatDayHm(d)})`
        : `Data collected ${formatAgo(age)} (${formatDayHm(d)})`;
      syncedAtEl.dataset.age = old ? 'old' : 'fresh';
      syncedAtEl.title = formatFull(d);
    }
    syncStateEl.dataset.sync = state;
    if (state === 'running') syncStateEl.textContent = 'Sync in progress';
    else if (state === 'failed') syncStateEl.textContent = `Last sync failed${sync.reason ? `: ${sync.reason}` : ''}`;
    else syncStateEl.textContent = '';
    const busy = syncBusy || state === 'running';
    syncNowBtn.disabled = busy;
    syncNowBtn.setAttribute('aria-busy', busy ? 'true' : 'false');
    syncNowBtn.textContent = busy ? 'Syncing…' : 'Sync Now';
  }

  function renderPanels() {
    const snap = details && details.snapshot;
    const none = detailsError ? `Could not load the collected data: ${detailsError}`
      : !details ? 'Loading…'
        : 'No data collected yet.';

    // Components (+ reverse proxy)
    const comps = snap && Array.isArray(snap.components) ? snap.components : null;
    if (!comps) P.components.replaceChildren(empty(none));
    else {
      const rows = comps.map((x) => {
        const ig = x.integration || {};
        const st = String(x.status ?? '');
        return [
          String(x.name ?? ''),
          badge(capitalize(st), /run|up|ok|start/i.test(st) ? 'good' : /stop|down|fail|error/i.test(st) ? 'bad' : 'neutral'),
          String(x.version ?? ''),
          badge(ig.enabled ? 'Enabled' : 'Disabled', ig.enabled ? 'good' : 'neutral'),
          ig.host ? `${ig.host}${ig.port != null && ig.port !== '' ? `:${ig.port}` : ''}` : '—',
          when(ig.lastHeartbeat),
        ];
      });
      const rp = snap.reverseProxy;
      const rpText = !rp ? '' : rp.enabled
        ? `Reverse proxy: Enabled · ${rp.mode === 'port' ? 'port based' : rp.mode === 'both' ? 'context and port based' : 'context based'} · ${rp.host ?? ''}${rp.port != null ? `:${rp.port}` : ''}`
        : 'Reverse proxy: Disabled';
      P.components.replaceChildren(
        rows.length ? table('detail-components-table', ['Component', 'Status', 'Version', 'Integration', 'Host:port', 'Last heartbeat'], rows) : empty('No components reported.'),
        rpText ? el('p', { class: 'detail-note', text: rpText }) : '');
    }

    // Technicians
    const techs = snap && Array.isArray(snap.technicians) ? snap.technicians : null;
    if (!techs) P.technicians.replaceChildren(empty(none));
    else if (!techs.length) P.technicians.replaceChildren(empty('No technicians reported.'));
    else {
      P.technicians.replaceChildren(table('detail-technicians-table', ['Name', 'Email', 'Role', 'Authentication', 'Status'], techs.map((t) => [
        String(t.name ?? ''),
        String(t.email ?? ''),
        capitalize(t.role),
        t.auth === 'central' ? 'Central' : t.auth === 'local' ? 'Local' : capitalize(t.auth),
        badge(t.enabled ? 'Enabled' : 'Disabled', t.enabled ? 'good' : 'neutral'),
      ])));
    }

    // License
    const lic = snap && snap.license;
    if (!lic) P.license.replaceChildren(empty(none));
    else {
      const exp = toDate(lic.expiresAt);
      let expText = exp ? formatDate(exp) : '—';
      let expKind = 'neutral';
      if (exp) {
        const days = Math.ceil((exp.getTime() - Date.now()) / 86400000);
        if (days < 0) { expText += ' (expired)'; expKind = 'bad'; }
        else if (days <= 30) { expText += ` (in ${days} day${days === 1 ? '' : 's'})`; expKind = 'warn'; }
      }
      const usage = lic.usage && typeof lic.usage === 'object' ? lic.usage : {};
      const alloc = lic.allocated && typeof lic.allocated === 'object' ? lic.allocated : {};
      const keys = Array.from(new Set([...Object.keys(alloc), ...Object.keys(usage)]));
      const rows = keys.map((k) => {
        const u = Number(usage[k]);
        const a = Number(alloc[k]);
        const used = Number.isFinite(u) ? u : 0;
        const meter = Number.isFinite(a) && a > 0
          ? el('meter', { min: 0, max: a, value: Math.min(used, a), high: a * 0.9, optimum: 0, title: `${used} of ${a}` })
          : document.createTextNode('');
        return [resourceLabel(k), Number.isFinite(u) ? String(u) : '—', Number.isFinite(a) ? String(a) : '—', meter];
      });
      P.license.replaceChildren(
        el('dl', { class: 'detail-facts detail-license-facts' },
          el('div', { class: 'span-2' }, el('dt', { text: 'Edition' }), el('dd', { class: 'license-edition', text: String(lic.edition ?? '—') })),
          el('div', { class: 'span-2' }, el('dt', { text: 'Expires' }), el('dd', { class: 'license-expiry', 'data-kind': expKind, text: expText }))),
        rows.length ? table('detail-license-table', ['Resource', 'Used', 'Allocated', 'Usage'], rows) : empty('No license usage reported.'));
    }

    // Sync history
    const runs = details && Array.isArray(details.runs) ? details.runs : null;
    if (!runs) P.sync.replaceChildren(empty(none));
    else if (!runs.length) P.sync.replaceChildren(empty('No syncs yet.'));
    else {
      P.sync.replaceChildren(table('detail-runs-table', ['Started', 'Duration', 'Trigger', 'Outcome', 'Reason'], runs.map((r) => [
        when(r.startedAt),
        ms(r.durationMs),
        capitalize(r.trigger),
        badge(r.outcome === 'success' ? 'Success' : 'Failed', r.outcome === 'success' ? 'good' : 'bad'),
        r.reason ? String(r.reason) : '—',
      ])));
    }
  }

  async function loadDetails() {
    const id = currentId;
    const seq = ++detailsSeq;
    try {
      const d = await invoke('customer_details', { id });
      if (seq !== detailsSeq || id !== currentId) return;
      details = d || null;
      detailsError = '';
    } catch (err) {
      if (seq !== detailsSeq || id !== currentId) return;
      if (err.code === 'locked' || err.code === 'not_found') return; // the health load handles not_found
      detailsError = err.message;
    }
    renderSyncedAt();
    renderPanels();
  }

  function scheduleDetails() {
    clearTimeout(detailsTimer);
    detailsTimer = setTimeout(() => { detailsTimer = null; if (currentId !== null) loadDetails(); }, 300);
  }

  syncNowBtn.addEventListener('click', async () => {
    if (syncNowBtn.disabled || currentId === null) return;
    const id = currentId;
    errorEl.textContent = '';
    syncBusy = true;
    renderSyncedAt();
    try {
      await syncCustomer(store, id);
      if (id === currentId) await loadDetails();
    } catch (err) {
      if (err.code === 'locked') return;
      if (err.code === 'not_found') {
        if (id === currentId) closeDialog(dialog);
        showToast(err.message, 'error');
      } else if (id === currentId && err.code !== 'forbidden') {
        errorEl.textContent = `Sync failed: ${err.message}`;
      } else {
        toastError(err);
      }
    } finally {
      const hadFocus = document.activeElement === syncNowBtn || document.activeElement === document.body;
      syncBusy = false;
      if (id === currentId) {
        renderSyncedAt();
        if (dialog.open && hadFocus) syncNowBtn.focus();
      }
    }
  });

  // Live sync state of the open customer (Sync Now in the table, Sync All, scheduler).
  function syncChanged(id) {
    if (currentId === null || id !== String(currentId)) return;
    renderSyncedAt();
    const c = store.getCustomer(id);
    const st = syncState(c && c.sync);
    if ((st === 'success' || st === 'failed') && !syncBusy) scheduleDetails();
  }
  store.addEventListener('sync-changed', (e) => syncChanged(e.detail.id));
  store.addEventListener('sync-batch', (e) => {
    if (currentId !== null && e.detail.ids.includes(String(currentId))) syncChanged(String(currentId));
  });

  function open(customer, opener) {
    currentId = customer.id;
    detail = null;
    details = null;
    detailsError = '';
    syncBusy = false;
    selectTab('health');
    renderPanels();
    renderSyncedAt();
    returnFocus = opener || document.activeElement;
    errorEl.textContent = '';
    setChecking(false);
    up24.textContent = '—';
    up7.textContent = '—';
    up24.dataset.level = 'none';
    up7.dataset.level = 'none';
    chart.replaceChildren();
    chart.hidden = true;
    chartEmpty.hidden = true;
    eventsEl.replaceChildren();
    eventsEmpty.hidden = true;
    renderCustomer();
    openDialog(dialog);
    closeBtn.focus();
    clearInterval(tick);
    // Keep "Down for 4 min" current while the dialog is open.
    tick = setInterval(() => {
      const c = store.getCustomer(currentId);
      if (c) renderSince(normState(c.health), sinceValue(c.health));
      renderSyncedAt();
    }, 30_000);
    load();
    loadDetails();
  }

  return {
    open,
    reset() {
      closeDialog(dialog);
      setChecking(false);
      syncBusy = false;
    },
  };
}
