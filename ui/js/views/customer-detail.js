// Customer detail (#customer-detail-dialog): current state, uptime, an hourly
// availability/latency chart (inline SVG, no library), recent state changes
// and "Check now". Data from customer_health {id}; check_customer_now {id}.
import { invoke } from '../api.js';
import { byId, el, svg, openDialog, closeDialog, wireDialogClose } from '../dom.js';
import { SERVER_HEALTH } from '../icons.js';
import {
  normState, isWarning, STATE_NAME, toDate, formatTime, formatWhen, formatFull,
  formatDuration, formatPercent, formatLatency,
} from '../format.js';
import { applyHealth } from './customers.js';
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

  icon.append(svg(SERVER_HEALTH));

  let currentId = null; // customer shown, null when closed
  let detail = null; // last HealthDetail for currentId
  let loadSeq = 0; // ignore answers for a customer no longer shown
  let checking = false;
  let tick = null;
  let refetchTimer = null;
  let returnFocus = null;

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
      if (id === currentId) {
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

  function open(customer, opener) {
    currentId = customer.id;
    detail = null;
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
    }, 30_000);
    load();
  }

  return {
    open,
    reset() {
      closeDialog(dialog);
      setChecking(false);
    },
  };
}
