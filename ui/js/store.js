// App state. Views listen for these events:
//   session-changed  detail: {session}
//   customers-reset  detail: {customers}        (full list replaced)
//   customer-upserted detail: {customer, isNew}
//   customer-removed detail: {id}
//   health-changed   detail: {id, health}
//   summary-changed  (any change to counts)

function key(id) {
  return String(id);
}

export class Store extends EventTarget {
  constructor() {
    super();
    this.info = null;
    this.session = null;
    this.customers = new Map();
    this.loaded = false;
  }

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
    this.customers = new Map();
    for (const c of Array.isArray(list) ? list : []) this.customers.set(key(c.id), c);
    this.loaded = true;
    this.emit('customers-reset', { customers: this.sortedCustomers() });
    this.emit('summary-changed');
  }

  upsertCustomer(customer) {
    const isNew = !this.customers.has(key(customer.id));
    this.customers.set(key(customer.id), customer);
    this.emit('customer-upserted', { customer, isNew });
    this.emit('summary-changed');
  }

  removeCustomer(id) {
    if (this.customers.delete(key(id))) {
      this.emit('customer-removed', { id: key(id) });
      this.emit('summary-changed');
    }
  }

  setHealth(id, health) {
    const c = this.customers.get(key(id));
    if (!c || !health) return;
    c.health = health;
    this.emit('health-changed', { id: key(id), health });
    this.emit('summary-changed');
  }

  summary() {
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
    this.emit('session-changed', { session: null });
    this.emit('customers-reset', { customers: [] });
    this.emit('summary-changed');
  }
}

export const store = new Store();
