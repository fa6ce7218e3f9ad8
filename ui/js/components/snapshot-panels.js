// @ts-check
// The detail dialog's Components, Technicians, License and Sync history tabs: tables built from
// the last synced snapshot (customer_details). Owns the contents of the panels it is given;
// text goes in through textContent only, and it must never fetch anything.
import { el } from '../lib/dom.js';
import { capitalize, formatCount, formatDate, formatElapsed, formatFull, formatInDays, formatWhen, resourceLabel, toDate } from '../lib/format.js';

/** @import { Component, CustomerDetails, InstanceLicense, InstanceTechnician, ReverseProxy, SyncRun } from '../types' */
/** @typedef {{ components: HTMLElement, technicians: HTMLElement, license: HTMLElement, sync: HTMLElement }} Panels */
/** @typedef {Node | string} Cell */

const DAY_MS = 86_400_000;
const EXPIRY_WARNING_DAYS = 30;

/**
 * Fills every panel. `details` null: still loading, or `error` says why it could not load.
 * @param {Panels} panels
 * @param {CustomerDetails | null} details
 * @param {string} error
 */
export function renderSnapshotPanels(panels, details, error) {
  const snap = details && details.snapshot;
  const none = error ? `Could not load the collected data: ${error}` : !details ? 'Loading…' : 'No data collected yet.';
  panels.components.replaceChildren(...(snap ? componentsPanel(snap.components, snap.reverseProxy) : [empty(none)]));
  panels.technicians.replaceChildren(snap ? techniciansPanel(snap.technicians) : empty(none));
  panels.license.replaceChildren(...(snap && snap.license ? licensePanel(snap.license) : [empty(none)]));
  panels.sync.replaceChildren(details ? runsPanel(details.runs) : empty(none));
}

/**
 * @param {string} cls
 * @param {string[]} headers
 * @param {Cell[][]} rows
 */
function table(cls, headers, rows) {
  const cell = (/** @type {Cell} */ c) => (c instanceof Node ? el('td', {}, c) : el('td', { text: c, title: c }));
  return el('table', { class: `data-table detail-table ${cls}` },
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map(cell)))));
}

/** @param {string} text */
const empty = (text) => el('p', { class: 'detail-empty', text });

/**
 * @param {string} text
 * @param {'good' | 'bad' | 'warn' | 'neutral'} kind
 */
const badge = (text, kind) => el('span', { class: 'pill', 'data-kind': kind, text });

/** @param {boolean} on */
const enabledBadge = (on) => badge(on ? 'Enabled' : 'Disabled', on ? 'good' : 'neutral');

/** @param {string | null | undefined} v @returns {Cell} */
const when = (v) => {
  const d = toDate(v);
  return d ? el('time', { datetime: d.toISOString(), title: formatFull(d), text: formatWhen(d) }) : '—';
};

/**
 * @param {Component[]} components
 * @param {ReverseProxy | null | undefined} proxy
 * @returns {Node[]}
 */
function componentsPanel(components, proxy) {
  const rows = (components ?? []).map((x) => {
    const ig = x.integration;
    const st = String(x.status ?? '');
    const kind = /run|up|ok|start/i.test(st) ? 'good' : /stop|down|fail|error/i.test(st) ? 'bad' : 'neutral';
    return [
      String(x.name ?? ''),
      badge(capitalize(st), kind),
      String(x.version ?? ''),
      enabledBadge(!!(ig && ig.enabled)),
      ig && ig.host ? `${ig.host}${ig.port != null ? `:${ig.port}` : ''}` : '—',
      when(ig && ig.lastHeartbeat),
    ];
  });
  const headers = ['Component', 'Status', 'Version', 'Integration', 'Host:port', 'Last heartbeat'];
  const out = [rows.length ? table('detail-components-table', headers, rows) : empty('No components reported.')];
  if (proxy) out.push(el('p', { class: 'detail-note', text: reverseProxyText(proxy) }));
  return out;
}

/** @param {ReverseProxy} rp */
function reverseProxyText(rp) {
  if (!rp.enabled) return 'Reverse proxy: Disabled';
  const mode = rp.mode === 'port' ? 'port based' : rp.mode === 'both' ? 'context and port based' : 'context based';
  return `Reverse proxy: Enabled · ${mode} · ${rp.host ?? ''}${rp.port != null ? `:${rp.port}` : ''}`;
}

/** @param {InstanceTechnician[]} techs */
function techniciansPanel(techs) {
  if (!techs || !techs.length) return empty('No technicians reported.');
  const headers = ['Name', 'Email', 'Role', 'Authentication', 'Status'];
  return table('detail-technicians-table', headers, techs.map((t) => [
    String(t.name ?? ''),
    String(t.email ?? ''),
    capitalize(t.role),
    capitalize(t.auth),
    enabledBadge(t.enabled),
  ]));
}

/**
 * Edition, expiry and per-resource usage against the allocation.
 * @param {InstanceLicense} lic
 * @returns {Node[]}
 */
function licensePanel(lic) {
  const expiry = expiryText(lic.expiresAt);
  const usage = lic.usage && typeof lic.usage === 'object' ? lic.usage : {};
  const alloc = lic.allocated && typeof lic.allocated === 'object' ? lic.allocated : {};
  const keys = Array.from(new Set([...Object.keys(alloc), ...Object.keys(usage)]));
  const rows = keys.map((k) => usageRow(k, usage[k], alloc[k]));
  return [
    el('dl', { class: 'detail-facts detail-license-facts' },
      el('div', { class: 'span-2' }, el('dt', { text: 'Edition' }), el('dd', { class: 'license-edition', text: String(lic.edition ?? '—') })),
      el('div', { class: 'span-2' }, el('dt', { text: 'Expires' }), el('dd', { class: 'license-expiry', 'data-kind': expiry.kind, text: expiry.text }))),
    rows.length ? table('detail-license-table', ['Resource', 'Used', 'Allocated', 'Usage'], rows) : empty('No license usage reported.'),
  ];
}

/**
 * "25 Nov 2025", "… (expired)", "… (in 3 days)" within a month.
 * @param {string | null | undefined} expiresAt
 * @returns {{ text: string, kind: 'neutral' | 'warn' | 'bad' }}
 */
function expiryText(expiresAt) {
  const exp = toDate(expiresAt);
  if (!exp) return { text: '—', kind: 'neutral' };
  const days = Math.ceil((exp.getTime() - Date.now()) / DAY_MS);
  if (days < 0) return { text: `${formatDate(exp)} (expired)`, kind: 'bad' };
  if (days <= EXPIRY_WARNING_DAYS) return { text: `${formatDate(exp)} (${formatInDays(days)})`, kind: 'warn' };
  return { text: formatDate(exp), kind: 'neutral' };
}

/**
 * The instance's license arrives without labels: its resource names are worded here.
 * @param {string} key
 * @param {number | undefined} usage
 * @param {number | undefined} allocated
 * @returns {Cell[]}
 */
function usageRow(key, usage, allocated) {
  const u = Number(usage);
  const a = Number(allocated);
  const used = Number.isFinite(u) ? u : 0;
  const meter = Number.isFinite(a) && a > 0
    ? el('meter', { min: 0, max: a, value: Math.min(used, a), high: a * 0.9, optimum: 0, title: `${formatCount(used)} of ${formatCount(a)}` })
    : document.createTextNode('');
  return [resourceLabel(key), formatCount(usage), formatCount(allocated), meter];
}

/** @param {SyncRun[]} runs */
function runsPanel(runs) {
  if (!runs || !runs.length) return empty('No syncs yet.');
  const headers = ['Started', 'Duration', 'Trigger', 'Outcome', 'Reason'];
  return table('detail-runs-table', headers, runs.map((r) => [
    when(r.startedAt),
    formatElapsed(r.durationMs),
    capitalize(r.trigger),
    r.outcome === 'success' ? badge('Success', 'good') : badge('Failed', 'bad'),
    r.reason ? String(r.reason) : '—',
  ]));
}
