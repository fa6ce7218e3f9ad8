// App state. Views listen for these events:
//   session-changed  detail: {session}
//   customers-reset  detail: {customers}        (full list replaced)
//   customer-upserted detail: {customer, isNew}
//   customer-removed detail: {id}
//   health-changed   detail: {id, health}
//   health-batch     detail: {ids}              (after a coalesced batch of health events)
//   since-changed    detail: {id}               (customer_health told when the state began)
//   sync-changed     detail: {id, customer}     (a customer's sync state/status changed)
//   sync-batch       detail: {ids}              (after a coalesced batch of sync-updated events)
//   summary-changed  (any change to counts)

function key(id) {
  return String(id);
}

function timeOf(value) {
  if (value === null || value === undefined || value === '') return NaN;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  return Date.parse(value);
}

/** True when health a was checked strictly before health b (both known). */
/** True when sync state `a` (from an event) is newer than `b` (from a reply). */
function syncNewer(a, b) {
  if (!a) return false;
  if (!b || b.state === 'never') return a.state !== 'never';
  if (a.at && b.at) return a.at > b.at || (a.at === b.at && b.state === 'running');
  return Boolean(a.at) && !b.at;
}

function olderThan(a, b) {
  if (!a || !b) return false;
  const ta = timeOf(a.checkedAt), tb = timeOf(b.checkedAt);
  return Number.isFinite(ta) && Number.isFinite(tb) && ta < tb;
}

export class Store extends EventTarget {
  constructor() {
    super();
    this.info = null;
    this.session = null;
    this.customers = new Map();
    this.loaded = false;
    this.counts = null; // last status-counts from the backend {up, down, unknown}
    this.since = new Map(); // id -> {state, since} learnt from customer_health
    this.healthQueue = new Map(); // id -> health, applied once per frame
    this.healthScheduled = false;
    this.syncQueue = new Map(); // id -> {status, sync}, applied once per frame
    this.syncScheduled = false;
    // Sync events for customers not listed yet: a new customer's first sync can finish
    // before the add_customer reply arrives. Kept until the customer shows up.
    this.earlySync = new Map();
  }

  /** "admin" | "operator" | "guest". */
  get role() {
    const r = this.session && this.session.role;
    // Least privilege when the role is missing or unknown: the backend enforces roles anyway.
    return r === 'admin' || r === 'operator' ? r : 'guest';
  }

  get isAdmin() { return this.role === 'admin'; }

  get isGuest() { return this.role === 'guest'; }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setInfo(info) {
    this.info = info;
    this.emit('info-changed', { info });
  }

  setSession(session) {
    this.session = session || null;
    this.emit('session-changed', { session: this.session });
  }

  /** Sorted like list_customers: by name, case-insensitive. */
  static compare(a, b) {
    const an = String(a.name ?? ''), bn = String(b.name ?? '');
    return an.localeCompare(bn, undefined, { sensitivity: 'base', numeric: true }) || an.localeCompare(bn);
  }

  sortedCustomers() {
    return Array.from(this.customers.values()).sort(Store.compare);
  }

  getCustomer(id) {
    return this.customers.get(key(id)) || null;
  }

  setCustomers(list) {
    this.healthQueue.clear();
    this.syncQueue.clear();
    this.earlySync.clear();
    this.counts = null;
    this.customers = new Map();
    for (const c of Array.isArray(list) ? list : []) this.customers.set(key(c.id), c);
    this.loaded = true;
    this.emit('customers-reset', { customers: this.sortedCustomers() });
    this.emit('summary-changed');
  }

  upsertCustomer(customer) {
    const k = key(customer.id);
    const isNew = !this.customers.has(k);
    const old = this.customers.get(k);
    if (old && customer.health && olderThan(customer.health, old.health)) customer.health = old.health;
    if (isNew) this.counts = null; // the backend only sends counts on state changes
    // A sync event may be newer than the reply that carries this customer.
    const late = this.syncQueue.get(k) || this.earlySync.get(k);
    this.syncQueue.delete(k);
    this.earlySync.delete(k);
    if (late && syncNewer(late.sync, customer.sync)) {
      customer.sync = late.sync;
      if (late.status != null) customer.status = late.status;
    }
    this.customers.set(key(customer.id), customer);
    this.emit('customer-upserted', { customer, isNew });
    this.emit('summary-changed');
  }

  removeCustomer(id) {
    if (this.customers.delete(key(id))) {
      this.counts = null;
      this.since.delete(key(id));
      this.healthQueue.delete(key(id));
      this.syncQueue.delete(key(id));
      this.earlySync.delete(key(id));
      this.emit('customer-removed', { id: key(id) });
      this.emit('summary-changed');
    }
  }

  /** Apply one health now. Returns true if it changed anything. */
  applyHealth(id, health, { quiet = false } = {}) {
    const c = this.customers.get(key(id));
    if (!c || !health || typeof health !== 'object') return false;
    if (olderThan(health, c.health)) return false; // e.g. a queued event older than check_customer_now
    const before = c.health && c.health.state;
    c.health = health;
    if (before !== health.state) {
      const s = this.since.get(key(id));
      if (s && s.state !== health.state) this.since.delete(key(id));
    }
    this.emit('health-changed', { id: key(id), health });
    if (!quiet) this.emit('summary-changed');
    return true;
  }

  setHealth(id, health) {
    this.healthQueue.delete(key(id));
    this.applyHealth(id, health);
  }

  /**
   * health-updated events: queue them (last one per customer wins) and apply
   * the batch once per animation frame, so a sweep over thousands of
   * customers costs one DOM pass. A timer backs up rAF, which does not run
   * while the window is hidden.
   */
  queueHealth(id, health) {
    if (id === undefined || id === null || !health) return;
    this.healthQueue.set(key(id), health);
    if (this.healthScheduled) return;
    this.healthScheduled = true;
    let done = false;
    const flush = () => {
      if (done) return;
      done = true;
      this.flushHealth();
    };
    requestAnimationFrame(flush);
    setTimeout(flush, 250);
  }

  flushHealth() {
    this.healthScheduled = false;
    if (!this.healthQueue.size) return;
    const batch = this.healthQueue;
    this.healthQueue = new Map();
    const ids = [];
    for (const [id, health] of batch) {
      if (this.applyHealth(id, health, { quiet: true })) ids.push(id);
    }
    if (ids.length) {
      this.emit('health-batch', { ids });
      this.emit('summary-changed');
    }
  }

  /** Apply a sync state (+ status text) now. Returns true if it changed anything. */
  applySync(id, status, sync, { quiet = false } = {}) {
    const c = this.customers.get(key(id));
    if (!sync || typeof sync !== 'object') return false;
    if (!c) {
      if (this.earlySync.size > 10000) this.earlySync.clear(); // bounded, whatever happens
      this.earlySync.set(key(id), { status, sync });
      return false;
    }
    const old = c.sync || {};
    if (old.state === sync.state && old.at === sync.at && old.reason === sync.reason && (status == null || status === c.status)) return false;
    c.sync = sync;
    if (status !== undefined && status !== null) c.status = status;
    if (!quiet) this.emit('sync-changed', { id: key(id), customer: c });
    return true;
  }

  setSync(id, status, sync) {
    this.syncQueue.delete(key(id));
    return this.applySync(id, status, sync);
  }

  /** sync-updated events: coalesced like health (Sync All over thousands of customers). */
  queueSync(id, status, sync) {
    if (id === undefined || id === null || !sync) return;
    this.syncQueue.set(key(id), { status, sync });
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    let done = false;
    const flush = () => {
      if (done) return;
      done = true;
      this.flushSync();
    };
    requestAnimationFrame(flush);
    setTimeout(flush, 250);
  }

  flushSync() {
    this.syncScheduled = false;
    if (!this.syncQueue.size) return;
    const batch = this.syncQueue;
    this.syncQueue = new Map();
    const ids = [];
    for (const [id, { status, sync }] of batch) {
      if (this.applySync(id, status, sync, { quiet: true })) ids.push(id);
    }
    if (ids.length) this.emit('sync-batch', { ids });
  }

  /** status-counts from the backend. */
  setCounts(counts) {
    if (!counts || typeof counts !== 'object') return;
    const n = (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 ? Math.floor(Number(v)) : 0);
    this.counts = { up: n(counts.up), down: n(counts.down), unknown: n(counts.unknown) };
    this.emit('summary-changed');
  }

  /** Remember when the current state began (from customer_health). */
  setSince(id, state, since) {
    if (since) this.since.set(key(id), { state, since });
    else this.since.delete(key(id));
    this.emit('since-changed', { id: key(id) });
  }

  sinceFor(id, state) {
    const s = this.since.get(key(id));
    return s && s.state === state ? s.since : null;
  }

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

  /** Forget everything tied to a session (on lock / logout). */
  clearSession() {
    this.session = null;
    this.customers = new Map();
    this.loaded = false;
    this.counts = null;
    this.since = new Map();
    this.healthQueue = new Map();
    this.syncQueue = new Map();
    this.earlySync = new Map();
    this.emit('session-changed', { session: null });
    this.emit('customers-reset', { customers: [] });
    this.emit('summary-changed');
  }
}

export const store = new Store();
