// @ts-check
// The customer detail dialog (#customer-detail-dialog). Health tab: current state, uptime, the
// hourly chart and recent state changes (customer_health), Check now (check_customer_now), the
// certificate trust and a changed certificate, "Review certificate" (administrators, HTTPS; the
// review dialog is main.js's to open), the customer's tags and "Edit tags" (administrators; the
// tag editor is main.js's to open too), "Open console" (not guests; main.js's to open), whether
// it is muted or in maintenance and "Mute…" (the mute menu is main.js's to open). Other tabs:
// the last synced snapshot (customer_details),
// Sync Now (sync_customer). Follows the store live while open, and asks for the customers'
// certificates again when it closes. Owns this dialog; must never edit the customer table itself:
// it tells the store, and the table follows.
import { invoke } from '../api.js';
import { byId, el, svg } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { LatestReply } from '../lib/latest.js';
import { setBusy, whileBusy } from '../lib/busy.js';
import { Tabs } from '../lib/tabs.js';
import { formatAgo, formatDate, formatDayHm, formatDuration, formatFull, formatLatency, formatPercent, formatTime, formatWhen, isSameDay, toDate } from '../lib/format.js';
import { SERVER_HEALTH } from '../icons.js';
import { STATE_NAME, applyHealth, isWarning, normState } from '../components/health.js';
import { SYNC_RUNNING_LABEL, syncCustomer, syncState } from '../components/sync.js';
import { renderChart } from '../components/uptime-chart.js';
import { renderSnapshotPanels } from '../components/snapshot-panels.js';
import { trustLabel } from '../components/certificate.js';
import { refreshTrust } from '../components/trust-refresh.js';
import { tagChips } from '../components/tags.js';
import { quietNow, quietText, quietTitle } from '../components/quiet.js';

/** @import { Store } from '../store.js' */
/** @import { Customer, CustomerDetails, Health, HealthDetail, HealthEvent, HealthState } from '../types' */
/** @import { ApiError } from '../api.js' */

const HOUR_MS = 3600_000;
/** Keep "Down for 4 mins" and "Data collected 12 min ago" current while open. */
const TICK_MS = 30_000;
/** A state change adds an event and a new "since": fetch the detail again, debounced. */
const REFETCH_AFTER_MS = 500;
const DETAILS_AFTER_SYNC_MS = 300;
const CHECK_BUSY = { busy: 'Checking…', idle: 'Check now' };
const SYNC_BUSY = { busy: 'Syncing…', idle: 'Sync Now' };
const CONSOLE_BUSY = { busy: 'Opening…', idle: 'Open console' };

export class CustomerDetail {
  /**
   * @param {Store} store
   * @param {{ openReview: (customer: Customer, opener: HTMLElement) => void, openTags: (customer: Customer, opener: HTMLElement) => void,
   *   openConsole: (customer: Customer, opener: HTMLElement) => Promise<unknown>, openMute: (customer: Customer, opener: HTMLElement) => void }} actions
   */
  constructor(store, actions) {
    this.store = store;
    this.actions = actions;
    this.modal = new Modal(byId('customer-detail-dialog', HTMLDialogElement), { backdropCloses: true });
    this.icon = byId('detail-health-icon');
    this.icon.append(svg(SERVER_HEALTH));
    this.chart = byId('detail-chart', SVGSVGElement);
    this.checkBtn = byId('detail-check-now', HTMLButtonElement);
    this.syncNowBtn = byId('detail-sync-now', HTMLButtonElement);
    this.reviewBtn = byId('detail-review-cert', HTMLButtonElement);
    this.tagsBtn = byId('detail-edit-tags', HTMLButtonElement);
    this.consoleBtn = byId('detail-open-console', HTMLButtonElement);
    this.errorEl = byId('detail-error');
    this.panels = { components: byId('detail-components'), technicians: byId('detail-technicians'), license: byId('detail-license'), sync: byId('detail-sync-runs') };
    const panels = Array.from(this.modal.dialog.querySelectorAll('.detail-panel')).filter((p) => p instanceof HTMLElement);
    this.tabs = new Tabs(byId('detail-tabs'), panels, (name) => { this.modal.dialog.dataset.tab = name; });
    /** The customer shown; null while closed. @type {string | null} */
    this.currentId = null;
    /** The last customer_health answer for it. @type {HealthDetail | null} */
    this.health = null;
    /** The last customer_details answer for it. @type {CustomerDetails | null} */
    this.details = null;
    this.detailsError = '';
    this.healthLoads = new LatestReply();
    this.detailsLoads = new LatestReply();
    this.checking = false;
    this.syncBusy = false;
    /** @type {{ tick?: ReturnType<typeof setInterval>, refetch?: ReturnType<typeof setTimeout>, details?: ReturnType<typeof setTimeout> }} */
    this.timers = {};
    this.#wire();
  }

  #wire() {
    this.modal.dialog.addEventListener('close', () => this.#closed());
    this.checkBtn.addEventListener('click', () => this.#checkNow());
    this.syncNowBtn.addEventListener('click', () => this.#syncNow());
    this.reviewBtn.addEventListener('click', () => {
      const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
      if (c) this.actions.openReview(c, this.reviewBtn);
    });
    const muteBtn = byId('detail-mute', HTMLButtonElement);
    muteBtn.addEventListener('click', () => {
      const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
      if (c) this.actions.openMute(c, muteBtn);
    });
    this.tagsBtn.addEventListener('click', () => {
      const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
      if (c) this.actions.openTags(c, this.tagsBtn);
    });
    this.consoleBtn.addEventListener('click', () => {
      const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
      if (c && !this.consoleBtn.disabled) whileBusy(this.consoleBtn, CONSOLE_BUSY, () => this.actions.openConsole(c, this.consoleBtn));
    });
    const { store } = this;
    store.on('health-changed', ({ id, health }) => this.#healthChanged(id, health));
    store.on('customer-upserted', ({ customer }) => {
      if (this.#shows(customer.id)) this.#renderCustomer();
    });
    store.on('customer-removed', ({ id }) => {
      if (this.#shows(id)) this.modal.close();
    });
    store.on('trust-changed', ({ id }) => {
      if (this.#shows(id)) this.#renderCustomer();
    });
    store.on('tags-changed', () => {
      if (this.currentId !== null) this.#renderCustomer();
    });
    // Live sync state (Sync Now in the table, Sync All, the scheduler).
    store.on('sync-changed', ({ id }) => this.#syncChanged(id));
    store.on('sync-batch', ({ ids }) => {
      if (this.currentId !== null && ids.includes(this.currentId)) this.#syncChanged(this.currentId);
    });
  }

  /** @param {string} id */
  #shows(id) {
    return this.currentId !== null && String(id) === this.currentId;
  }

  /**
   * Opens the dialog on `customer`'s Health tab and loads both halves.
   * @param {Customer} customer
   * @param {HTMLElement} opener
   */
  open(customer, opener) {
    this.currentId = String(customer.id);
    this.health = null;
    this.details = null;
    this.detailsError = '';
    this.syncBusy = false;
    this.tabs.select('health');
    this.#renderPanels();
    this.#renderSyncedAt();
    this.errorEl.textContent = '';
    this.#setChecking(false);
    this.#clearHealthDetail();
    this.#renderCustomer();
    this.modal.open(opener);
    byId('detail-close').focus();
    clearInterval(this.timers.tick);
    this.timers.tick = setInterval(() => this.#tick(), TICK_MS);
    this.#loadHealth();
    this.#loadDetails();
  }

  /** Closes the dialog (lock, logout). */
  reset() {
    this.modal.close();
    this.#setChecking(false);
    this.syncBusy = false;
  }

  #closed() {
    this.currentId = null;
    this.health = null;
    this.details = null;
    this.healthLoads.invalidate();
    this.detailsLoads.invalidate();
    clearInterval(this.timers.tick);
    clearTimeout(this.timers.refetch);
    clearTimeout(this.timers.details);
    this.timers = {};
    // A check or sync while it was open may have found the certificate changed.
    if (this.store.session) refreshTrust(this.store);
  }

  #tick() {
    const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
    if (c) this.#renderSince(normState(c.health), this.#sinceOf(c.health));
    this.#renderSyncedAt();
  }

  // ---------------------------------------------------------------- Health tab

  /** When the current state began: from the detail when it is about this state, else the store. @param {Health} health */
  #sinceOf(health) {
    const state = normState(health);
    if (this.health && normState(this.health.health) === state && this.health.since) return this.health.since;
    return this.currentId === null ? null : this.store.sinceFor(this.currentId, state);
  }

  /** The header and facts: the customer from the store, `since` from the detail. */
  #renderCustomer() {
    const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
    if (!c) return;
    byId('detail-title').textContent = String(c.name ?? '');
    const port = c.port === null || c.port === undefined ? '' : `:${c.port}`;
    byId('detail-connection').textContent = `${c.server ?? ''}${port} · ${c.connectionType ?? ''}`;
    byId('detail-build').textContent = c.build === null || c.build === undefined ? '—' : String(c.build);
    const health = c.health;
    const state = normState(health);
    const since = this.#sinceOf(health);
    applyHealth(this.icon, health, since);
    const warning = isWarning(health);
    const stateEl = byId('detail-state');
    stateEl.textContent = warning ? 'Up with a warning' : state === 'unknown' && !toDate(health && health.checkedAt) ? 'Not checked yet' : STATE_NAME[state];
    stateEl.dataset.state = state;
    this.#renderSince(state, since);
    byId('detail-warning').textContent = warning ? `Warning: ${health.reason}` : '';
    const q = quietNow(c);
    const quiet = byId('detail-quiet');
    quiet.hidden = !q;
    quiet.textContent = q ? `${quietText(q)}. ${quietTitle(q)}` : '';
    quiet.dataset.kind = q ? q.kind : '';
    this.#renderChecked(health);
    this.#renderTrust(c);
    const chips = tagChips(c.tags, (id) => this.store.getTag(id), { small: false });
    byId('detail-tags').replaceChildren(...(chips.length ? chips : [el('span', { class: 'detail-no-tags', text: 'No tags' })]));
  }

  /**
   * "Pinned certificate AB:CD… · valid until 25 Nov 2026", a changed certificate, and Review
   * certificate for HTTPS customers.
   * @param {Customer} c
   */
  #renderTrust(c) {
    const https = c.connectionType === 'HTTPS';
    const cert = https ? c.certificate : null;
    const dd = byId('detail-trust');
    if (https) {
      dd.textContent = [trustLabel(c.trust), cert && cert.notAfter ? `valid until ${formatDate(cert.notAfter)}` : ''].filter(Boolean).join(' · ');
      dd.title = trustLabel(c.trust, { full: true });
    } else {
      dd.textContent = c.cleartext ? 'None: HTTP, the admin credentials go unencrypted' : trustLabel(null);
      dd.title = '';
    }
    const warning = byId('detail-cert-warning');
    const changedTo = cert && cert.changedTo;
    warning.hidden = !changedTo;
    warning.textContent = changedTo
      ? `The certificate changed: the server now presents ${changedTo} instead of the trusted one. Nothing is sent to it until an administrator reviews and trusts the new certificate.`
      : '';
    this.reviewBtn.hidden = !https;
  }

  /** @param {Health} health */
  #renderChecked(health) {
    const checked = toDate(health && health.checkedAt);
    const checkedEl = byId('detail-checked');
    checkedEl.textContent = !checked ? 'Never' : isSameDay(checked, new Date()) ? formatTime(checked) : formatFull(checked);
    checkedEl.title = checked ? formatFull(checked) : '';
    byId('detail-latency').textContent = formatLatency(health && health.latencyMs);
    byId('detail-reason').textContent = health && health.reason ? String(health.reason) : '—';
  }

  /**
   * "Down for 4 mins · since 12:03".
   * @param {HealthState} state
   * @param {string | null} since
   */
  #renderSince(state, since) {
    const sinceEl = byId('detail-since');
    const d = toDate(since);
    if (!d || state === 'unknown') {
      sinceEl.textContent = '';
      sinceEl.title = '';
      return;
    }
    sinceEl.textContent = `${STATE_NAME[state]} for ${formatDuration(Date.now() - d.getTime())} · since ${formatWhen(d)}`;
    sinceEl.title = formatFull(d);
  }

  /** Uptime, chart and events wait for customer_health. */
  #clearHealthDetail() {
    for (const id of ['detail-uptime-24h', 'detail-uptime-7d']) {
      byId(id).textContent = '—';
      byId(id).dataset.level = 'none';
    }
    this.chart.replaceChildren();
    byId('detail-chart-empty').hidden = true;
    byId('detail-events').replaceChildren();
    byId('detail-events-empty').hidden = true;
  }

  #renderHealthDetail() {
    const detail = this.health;
    if (!detail) return;
    for (const [id, value] of /** @type {const} */ ([['detail-uptime-24h', detail.uptime24h], ['detail-uptime-7d', detail.uptime7d]])) {
      const node = byId(id);
      node.textContent = formatPercent(value);
      node.dataset.level = uptimeLevel(value);
    }
    const info = renderChart(this.chart, detail.hourly);
    byId('detail-chart-empty').hidden = !!info;
    byId('detail-chart-desc').textContent = info ? info.description : 'No check history yet.';
    const now = new Date();
    const events = byId('detail-events');
    events.replaceChildren(...(Array.isArray(detail.events) ? detail.events : []).map((ev) => eventItem(ev, now)));
    byId('detail-events-empty').hidden = events.children.length > 0;
  }

  async #loadHealth() {
    const id = this.currentId;
    if (id === null) return;
    const current = this.healthLoads.begin();
    const loading = byId('detail-loading');
    loading.hidden = false;
    try {
      const detail = await invoke('customer_health', { id });
      if (!current()) return;
      this.health = detail;
      // Newer health from the detail wins over what the table had.
      if (detail.health) this.store.setHealth(id, detail.health);
      const customer = this.store.getCustomer(id);
      this.store.setSince(id, normState(detail.health || (customer && customer.health)), detail.since || null);
      this.errorEl.textContent = '';
      this.#renderCustomer();
      this.#renderHealthDetail();
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        not_found: (e) => this.#gone(id, e),
        other: (e) => { this.errorEl.textContent = `Could not load the health history: ${e.message}`; },
      });
    } finally {
      if (current()) loading.hidden = true;
    }
  }

  /**
   * The customer no longer exists: close, drop it, say so.
   * @param {string} id
   * @param {ApiError} err
   */
  #gone(id, err) {
    if (this.#shows(id)) this.modal.close();
    this.store.removeCustomer(id);
    toastMessage(err);
  }

  /** @param {boolean} on */
  #setChecking(on) {
    this.checking = on;
    setBusy(this.checkBtn, on, CHECK_BUSY);
  }

  async #checkNow() {
    if (this.checking || this.currentId === null) return;
    const id = this.currentId;
    this.errorEl.textContent = '';
    this.#setChecking(true);
    try {
      const customer = await invoke('check_customer_now', { id });
      this.store.upsertCustomer(customer); // updates the table row too
      if (this.#shows(id)) {
        this.#renderCustomer();
        await this.#loadHealth();
      }
    } catch (err) {
      routeError(err, {
        not_found: (e) => this.#gone(id, e),
        forbidden: toastMessage,
        other: (e) => {
          if (!this.#shows(id)) return toastMessage(e);
          this.errorEl.textContent = e.message;
          this.errorEl.scrollIntoView({ block: 'nearest' });
        },
      });
    } finally {
      this.#afterBusy(this.checkBtn, () => this.#setChecking(false));
    }
  }

  /**
   * Ends a busy state; a disabled button drops focus, so give it back for keyboard users.
   * @param {HTMLButtonElement} button
   * @param {() => void} unbusy
   */
  #afterBusy(button, unbusy) {
    const hadFocus = document.activeElement === button || document.activeElement === document.body;
    unbusy();
    if (this.modal.isOpen && hadFocus) button.focus();
  }

  /**
   * The open customer's health changed (an event, or another view).
   * @param {string} id
   * @param {Health} health
   */
  #healthChanged(id, health) {
    if (!this.#shows(id)) return;
    const prevState = this.health ? normState(this.health.health) : null;
    this.#renderCustomer();
    // Not while Check now is fetching the detail anyway.
    if (prevState !== null && prevState !== normState(health) && !this.checking) {
      clearTimeout(this.timers.refetch);
      this.timers.refetch = setTimeout(() => {
        if (this.currentId !== null) this.#loadHealth();
      }, REFETCH_AFTER_MS);
    }
  }

  // ---------------------------------------------------------------- synced snapshot

  /** "Data collected 12 min ago (25 Nov 12:03)" / "Offline data from 3 hr ago (…)" / "Never synced". */
  #renderSyncedAt() {
    const c = this.currentId === null ? null : this.store.getCustomer(this.currentId);
    const sync = (c && c.sync) || (this.details && this.details.sync) || null;
    const state = syncState(sync);
    this.#renderDataAge();
    const stateEl = byId('detail-sync-state');
    stateEl.dataset.sync = state;
    if (state === 'running') stateEl.textContent = c ? c.status : SYNC_RUNNING_LABEL;
    else if (state === 'failed') stateEl.textContent = `Last sync failed${sync && sync.reason ? `: ${sync.reason}` : ''}`;
    else stateEl.textContent = '';
    setBusy(this.syncNowBtn, this.syncBusy || state === 'running', SYNC_BUSY);
  }

  #renderDataAge() {
    const node = byId('detail-synced-at');
    const details = this.details;
    const d = toDate(details ? details.collectedAt || details.syncedAt : null);
    /** @type {[string, string, string]} text, data-age, title */
    let shown;
    if (!details && !this.detailsError) shown = ['Loading the collected data…', 'loading', ''];
    else if (!d) shown = [this.store.isGuest ? 'Never synced' : 'Never synced — click Sync Now', 'never', ''];
    else {
      const age = Date.now() - d.getTime();
      const old = age > HOUR_MS;
      shown = [`${old ? 'Offline data from' : 'Data collected'} ${formatAgo(age)} (${formatDayHm(d)})`, old ? 'old' : 'fresh', formatFull(d)];
    }
    [node.textContent, node.dataset.age, node.title] = shown;
  }

  #renderPanels() {
    renderSnapshotPanels(this.panels, this.details, this.detailsError);
  }

  async #loadDetails() {
    const id = this.currentId;
    if (id === null) return;
    const current = this.detailsLoads.begin();
    try {
      const details = await invoke('customer_details', { id });
      if (!current()) return;
      this.details = details;
      this.detailsError = '';
    } catch (err) {
      if (!current()) return;
      let failed = false;
      routeError(err, {
        not_found: () => {}, // the health load says so and closes the dialog
        other: (e) => {
          this.detailsError = e.message;
          failed = true;
        },
      });
      if (!failed) return;
    }
    this.#renderSyncedAt();
    this.#renderPanels();
  }

  #scheduleDetails() {
    clearTimeout(this.timers.details);
    this.timers.details = setTimeout(() => {
      this.timers.details = undefined;
      if (this.currentId !== null) this.#loadDetails();
    }, DETAILS_AFTER_SYNC_MS);
  }

  async #syncNow() {
    if (this.syncNowBtn.disabled || this.currentId === null) return;
    const id = this.currentId;
    this.errorEl.textContent = '';
    this.syncBusy = true;
    this.#renderSyncedAt();
    try {
      await syncCustomer(this.store, id);
      if (this.#shows(id)) await this.#loadDetails();
    } catch (err) {
      routeError(err, {
        not_found: (e) => {
          if (this.#shows(id)) this.modal.close();
          toastMessage(e);
        },
        forbidden: toastMessage,
        other: (e) => {
          if (this.#shows(id)) this.errorEl.textContent = `Sync failed: ${e.message}`;
          else toastMessage(e);
          refreshTrust(this.store); // it may have failed on a certificate found changed
        },
      });
    } finally {
      if (this.#shows(id)) this.#afterBusy(this.syncNowBtn, () => { this.syncBusy = false; this.#renderSyncedAt(); });
      else this.syncBusy = false;
    }
  }

  /** @param {string} id */
  #syncChanged(id) {
    if (!this.#shows(id)) return;
    this.#renderSyncedAt();
    const c = this.store.getCustomer(id);
    const state = syncState(c && c.sync);
    if ((state === 'success' || state === 'failed') && !this.syncBusy) this.#scheduleDetails();
  }
}

/**
 * good ≥ 99 %, fair ≥ 95 %, poor below; none without data.
 * @param {number | null} value
 */
function uptimeLevel(value) {
  const n = Number(value);
  if (value === null || value === undefined || !Number.isFinite(n)) return 'none';
  return n >= 99 ? 'good' : n >= 95 ? 'fair' : 'poor';
}

/**
 * One line of "Recent state changes".
 * @param {HealthEvent} ev
 * @param {Date} now
 */
function eventItem(ev, now) {
  const from = STATE_NAME[normState({ state: ev.from })];
  const to = normState({ state: ev.to });
  const at = toDate(ev.at);
  return el('li', { class: 'detail-event', 'data-to': to },
    el('time', { class: 'event-time', datetime: at ? at.toISOString() : '', title: formatFull(ev.at), text: formatWhen(ev.at, now) }),
    el('span', { class: 'event-change', text: `${from} → ${STATE_NAME[to]}` }),
    ev.reason ? el('span', { class: 'event-reason', text: `· ${ev.reason}` }) : null);
}
