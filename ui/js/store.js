// @ts-check
// App state: the session, the customers with their health and sync, the status counts. Health
// and sync events are coalesced per frame; answers older than what is known are dropped. Views
// subscribe with store.on(type, handler) to the StoreEvents below. Must never call the core or
// touch the DOM: views do, and tell the store what they learnt.
import { FrameBatch } from './lib/coalesce.js';

/** @import { AppInfo, Customer, Health, HealthState, Role, Session, StatusCounts, SyncStatus, Tag } from './types' */

/**
 * What the store tells its views (type -> detail).
 * @typedef {{
 *   'session-changed': { session: Session | null },
 *   'customers-reset': { count: number },
 *   'customer-upserted': { customer: Customer, isNew: boolean },
 *   'customer-removed': { id: string },
 *   'health-changed': { id: string, health: Health, moved: boolean },
 *   'since-changed': { id: string },
 *   'sync-changed': { id: string, customer: Customer },
 *   'sync-batch': { ids: string[] },
 *   'trust-changed': { id: string, customer: Customer },
 *   'summary-changed': null,
 *   'tags-changed': null,
 *   'connectivity-changed': { offlineSince: string | null },
 * }} StoreEvents
 *   customers-reset: the full list was replaced; health-changed: once per customer, also within a
 *   batch (moved: its state or warning changed, so filters on it may change); since-changed: customer_health told when the current state began; sync-batch: after a
 *   coalesced batch of sync-updated events; trust-changed: a customer's certificate trust, its
 *   certificate state or its cleartext choice changed (and nothing else was applied); summary-changed:
 *   anything the counts depend on; tags-changed: the tags themselves (names, colours, counts);
 *   connectivity-changed: this computer went offline (since when) or came back (null).
 */
/** @typedef {{ status: string | null | undefined, sync: SyncStatus }} SyncNews */
/** @typedef {{ total: number, up: number, down: number, unknown: number }} Summary */

/** Sync events kept for customers not listed yet stay bounded, whatever happens. */
const MAX_EARLY_SYNC = 10000;

/**
 * Epoch ms of a timestamp; NaN when there is none.
 * @param {string | number | null | undefined} value
 */
function timeOf(value) {
  if (value === null || value === undefined || value === '') return NaN;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  return Date.parse(value);
}

/**
 * True when health `a` was checked strictly before health `b` (both known).
 * @param {Health | null | undefined} a
 * @param {Health | null | undefined} b
 */
function olderThan(a, b) {
  if (!a || !b) return false;
  const ta = timeOf(a.checkedAt), tb = timeOf(b.checkedAt);
  return Number.isFinite(ta) && Number.isFinite(tb) && ta < tb;
}

/**
 * True when sync state `a` (from an event) is newer than `b` (from a reply).
 * @param {SyncStatus | null | undefined} a
 * @param {SyncStatus | null | undefined} b
 */
function syncNewer(a, b) {
  if (!a) return false;
  if (!b || b.state === 'never') return a.state !== 'never';
  if (a.at && b.at) return a.at > b.at || (a.at === b.at && b.state === 'running');
  return Boolean(a.at) && !b.at;
}

/**
 * What the row shows of a customer's certificate, as one comparable text.
 * @param {Customer} c
 */
const trustKey = (c) => JSON.stringify([c.trust, c.certificate, c.cleartext]);

/** One collator for every name comparison: building one per call is slow over thousands. */
const BY_NAME = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** @param {unknown} v a count from the core, as a whole number ≥ 0 */
const wholeCount = (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 ? Math.floor(Number(v)) : 0);

export class Store extends EventTarget {
  constructor() {
    super();
    /** @type {AppInfo | null} */
    this.info = null;
    /** @type {Session | null} */
    this.session = null;
    /** id -> customer, as the core last described it. @type {Map<string, Customer>} */
    this.customers = new Map();
    /** Whether list_customers answered since the last reset. */
    this.loaded = false;
    /** The last status-counts from the core; null: count locally. @type {StatusCounts | null} */
    this.counts = null;
    /** id -> when its current state began (from customer_health). @type {Map<string, { state: HealthState, since: string }>} */
    this.since = new Map();
    /** health-updated events, applied once per frame. @type {FrameBatch<string, Health>} */
    this.healthQueue = new FrameBatch((batch) => this.#flushHealth(batch));
    /** sync-updated events, applied once per frame. @type {FrameBatch<string, SyncNews>} */
    this.syncQueue = new FrameBatch((batch) => this.#flushSync(batch));
    /**
     * Sync events for customers not listed yet: a new customer's first sync can finish before
     * the add_customer reply arrives. Kept until the customer shows up.
     * @type {Map<string, SyncNews>}
     */
    this.earlySync = new Map();
    /** id -> tag, as list_tags last said. @type {Map<number, Tag>} */
    this.tags = new Map();
    /** When this computer went offline (connectivity-changed); null while online. @type {string | null} */
    this.offlineSince = null;
  }

  /**
   * Subscribes to one of the StoreEvents.
   * @template {keyof StoreEvents} T
   * @param {T} type
   * @param {(detail: StoreEvents[T]) => void} handler
   */
  on(type, handler) {
    this.addEventListener(type, (e) => handler(/** @type {CustomEvent<StoreEvents[T]>} */ (e).detail));
  }

  /**
   * @template {keyof StoreEvents} T
   * @param {T} type
   * @param {StoreEvents[T]} detail
   */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** @returns {Role} least privilege when the role is missing or unknown (the core enforces roles anyway) */
  get role() {
    const r = this.session && this.session.role;
    return r === 'admin' || r === 'operator' ? r : 'guest';
  }

  get isAdmin() { return this.role === 'admin'; }

  get isGuest() { return this.role === 'guest'; }

  /** @param {AppInfo} info */
  setInfo(info) {
    this.info = info;
  }

  /** @param {Session | null} session */
  setSession(session) {
    this.session = session || null;
    this.emit('session-changed', { session: this.session });
  }

  /**
   * Sorted like list_customers: by name, case-insensitive, numbers by value.
   * @param {{ name?: string | null }} a
   * @param {{ name?: string | null }} b
   */
  static compare(a, b) {
    const an = String(a.name ?? ''), bn = String(b.name ?? '');
    return BY_NAME.compare(an, bn) || (an < bn ? -1 : an > bn ? 1 : 0);
  }

  sortedCustomers() {
    return Array.from(this.customers.values()).sort(Store.compare);
  }

  /** @param {string} id */
  getCustomer(id) {
    return this.customers.get(String(id)) || null;
  }

  /** @param {Customer[]} list */
  setCustomers(list) {
    this.healthQueue.clear();
    this.syncQueue.clear();
    this.earlySync.clear();
    this.counts = null;
    this.customers = new Map();
    for (const c of Array.isArray(list) ? list : []) this.customers.set(String(c.id), c);
    this.loaded = true;
    this.emit('customers-reset', { count: this.customers.size });
    this.emit('summary-changed', null);
  }

  /**
   * This computer went offline (since when) or came back (null).
   * @param {string | null} since
   */
  setOffline(since) {
    if (since === this.offlineSince) return;
    this.offlineSince = since;
    this.emit('connectivity-changed', { offlineSince: since });
  }

  /**
   * A customer's quiet state as this window just set it (a mute, an unmute), before the list
   * is loaded again.
   * @param {string} id
   * @param {Customer['quiet']} quiet
   */
  setQuiet(id, quiet) {
    const c = this.customers.get(String(id));
    if (c) this.upsertCustomer({ ...c, quiet });
  }

  /** @param {Customer} customer */
  upsertCustomer(customer) {
    const k = String(customer.id);
    const old = this.customers.get(k);
    if (old && customer.health && olderThan(customer.health, old.health)) customer.health = old.health;
    if (!old) this.counts = null; // the core only sends counts on state changes
    // A sync event may be newer than the reply that carries this customer.
    const late = this.syncQueue.take(k) || this.earlySync.get(k);
    this.earlySync.delete(k);
    if (late && syncNewer(late.sync, customer.sync)) {
      customer.sync = late.sync;
      if (late.status != null) customer.status = late.status;
    }
    this.customers.set(k, customer);
    this.emit('customer-upserted', { customer, isNew: !old });
    this.emit('summary-changed', null);
  }

  /** @param {string} id */
  removeCustomer(id) {
    const k = String(id);
    if (!this.customers.delete(k)) return;
    this.counts = null;
    this.since.delete(k);
    this.healthQueue.delete(k);
    this.syncQueue.delete(k);
    this.earlySync.delete(k);
    this.emit('customer-removed', { id: k });
    this.emit('summary-changed', null);
  }

  /**
   * Applies one health now. Returns true if it changed anything.
   * @param {string} id
   * @param {Health} health
   * @param {{ quiet?: boolean }} [options]  quiet: the batch announces the summary once
   */
  applyHealth(id, health, { quiet = false } = {}) {
    const k = String(id);
    const c = this.customers.get(k);
    if (!c || !health || typeof health !== 'object') return false;
    if (olderThan(health, c.health)) return false; // e.g. a queued event older than check_customer_now
    const before = c.health && c.health.state;
    const wasWarning = !!(c.health && c.health.state === 'up' && c.health.reason);
    c.health = health;
    if (before !== health.state) {
      const s = this.since.get(k);
      if (s && s.state !== health.state) this.since.delete(k);
    }
    const moved = before !== health.state || wasWarning !== (health.state === 'up' && !!health.reason);
    this.emit('health-changed', { id: k, health, moved });
    if (!quiet) this.emit('summary-changed', null);
    return true;
  }

  /**
   * A health the view fetched itself: applied now, any queued event for it dropped.
   * @param {string} id
   * @param {Health} health
   */
  setHealth(id, health) {
    this.healthQueue.delete(String(id));
    this.applyHealth(id, health);
  }

  /**
   * health-updated events: the last one per customer wins and the batch is applied once per
   * animation frame, so a sweep over thousands of customers costs one DOM pass.
   * @param {string} id
   * @param {Health} health
   */
  queueHealth(id, health) {
    if (id === undefined || id === null || !health) return;
    this.healthQueue.set(String(id), health);
  }

  /** @param {Map<string, Health>} batch */
  #flushHealth(batch) {
    let changed = false;
    for (const [id, health] of batch) changed = this.applyHealth(id, health, { quiet: true }) || changed;
    if (changed) this.emit('summary-changed', null);
  }

  /**
   * Applies a sync state (and the core's status label) now. Returns true if it changed anything.
   * @param {string} id
   * @param {string | null | undefined} status  null: keep the label the customer has
   * @param {SyncStatus} sync
   * @param {{ quiet?: boolean }} [options]  quiet: the batch announces it
   */
  applySync(id, status, sync, { quiet = false } = {}) {
    const k = String(id);
    const c = this.customers.get(k);
    if (!sync || typeof sync !== 'object') return false;
    if (!c) {
      if (this.earlySync.size > MAX_EARLY_SYNC) this.earlySync.clear();
      this.earlySync.set(k, { status, sync });
      return false;
    }
    const old = c.sync;
    if (old && old.state === sync.state && old.at === sync.at && old.reason === sync.reason && (status == null || status === c.status)) return false;
    c.sync = sync;
    if (status !== undefined && status !== null) c.status = status;
    if (!quiet) this.emit('sync-changed', { id: k, customer: c });
    return true;
  }

  /**
   * A sync state the view knows first-hand (Sync Now): applied now, any queued event dropped.
   * @param {string} id
   * @param {string | null | undefined} status
   * @param {SyncStatus} sync
   */
  setSync(id, status, sync) {
    this.syncQueue.delete(String(id));
    return this.applySync(id, status, sync);
  }

  /**
   * sync-updated events: coalesced like health (Sync All over thousands of customers).
   * @param {string} id
   * @param {string} status
   * @param {SyncStatus} sync
   */
  queueSync(id, status, sync) {
    if (id === undefined || id === null || !sync) return;
    this.syncQueue.set(String(id), { status, sync });
  }

  /** @param {Map<string, SyncNews>} batch */
  #flushSync(batch) {
    const ids = [];
    for (const [id, { status, sync }] of batch) {
      if (this.applySync(id, status, sync, { quiet: true })) ids.push(id);
    }
    if (ids.length) this.emit('sync-batch', { ids });
  }

  /**
   * What a fresh list_customers says about each known customer's certificate (trust, state,
   * cleartext): applied to the customers whose copy differs, one trust-changed each. Customers
   * added or removed meanwhile are left to the next full load.
   * @param {Customer[]} list
   * @returns {number} how many changed
   */
  applyTrust(list) {
    let changed = 0;
    for (const fresh of Array.isArray(list) ? list : []) {
      const k = String(fresh.id);
      const c = this.customers.get(k);
      if (!c || trustKey(c) === trustKey(fresh)) continue;
      c.trust = fresh.trust;
      c.certificate = fresh.certificate;
      c.cleartext = fresh.cleartext;
      changed += 1;
      this.emit('trust-changed', { id: k, customer: c });
    }
    return changed;
  }

  /** @param {Tag[]} list  list_tags's answer */
  setTags(list) {
    this.tags = new Map((Array.isArray(list) ? list : []).map((t) => [Number(t.id), t]));
    this.emit('tags-changed', null);
  }

  /** The tags by name (list_tags's order). */
  tagList() {
    return Array.from(this.tags.values()).sort((a, b) => Store.compare(a, b));
  }

  /** @param {number | string} id */
  getTag(id) {
    return this.tags.get(Number(id)) || null;
  }

  /**
   * The tags a customer now carries (set_customer_tags's answer): the row and the detail follow.
   * @param {string} id
   * @param {number[]} tagIds
   */
  setCustomerTags(id, tagIds) {
    const c = this.customers.get(String(id));
    if (!c) return;
    c.tags = Array.isArray(tagIds) ? tagIds.map(Number) : [];
    this.emit('customer-upserted', { customer: c, isNew: false });
  }

  /** @param {StatusCounts} counts  status-counts from the core */
  setCounts(counts) {
    if (!counts || typeof counts !== 'object') return;
    this.counts = { up: wholeCount(counts.up), down: wholeCount(counts.down), unknown: wholeCount(counts.unknown) };
    this.emit('summary-changed', null);
  }

  /**
   * Remembers when the current state began (from customer_health).
   * @param {string} id
   * @param {HealthState} state
   * @param {string | null} since
   */
  setSince(id, state, since) {
    const k = String(id);
    if (since) this.since.set(k, { state, since });
    else this.since.delete(k);
    this.emit('since-changed', { id: k });
  }

  /**
   * When `state` began for this customer, if customer_health told.
   * @param {string} id
   * @param {HealthState} state
   */
  sinceFor(id, state) {
    const s = this.since.get(String(id));
    return s && s.state === state ? s.since : null;
  }

  /** @returns {Summary} the core's status-counts when known, else counted here */
  summary() {
    if (this.counts) {
      const { up, down, unknown } = this.counts;
      return { total: up + down + unknown, up, down, unknown };
    }
    const s = { total: 0, up: 0, down: 0, unknown: 0 };
    for (const c of this.customers.values()) {
      s.total += 1;
      const st = c.health && c.health.state;
      if (st === 'up') s.up += 1;
      else if (st === 'down') s.down += 1;
      else s.unknown += 1;
    }
    return s;
  }

  /** Forgets everything tied to a session (on lock / logout). */
  clearSession() {
    this.session = null;
    this.customers = new Map();
    this.loaded = false;
    this.counts = null;
    this.since = new Map();
    this.healthQueue.clear();
    this.syncQueue.clear();
    this.earlySync = new Map();
    this.tags = new Map();
    this.offlineSince = null;
    this.emit('session-changed', { session: null });
    this.emit('customers-reset', { count: 0 });
    this.emit('summary-changed', null);
    this.emit('tags-changed', null);
  }
}

export const store = new Store();
