// @ts-check
// The offline banner (#offline-banner): when the core finds this computer itself offline
// (connectivity-changed), "This computer is offline: N customers could not be checked" replaces
// a storm of "down"; it goes when the computer is online again. Rows say "not checked since …"
// meanwhile (the customer table follows the store). Owns the banner only; must never call the core.
import { byId } from '../lib/dom.js';
import { formatCount, formatWhen } from '../lib/format.js';

/** @import { Store } from '../store.js' */

export class OfflineBanner {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.banner = byId('offline-banner');
    this.text = byId('offline-text');
    this.more = byId('offline-more');
    store.on('connectivity-changed', () => this.#render());
    // The count follows the list (customers added or loaded while offline).
    store.on('customers-reset', () => this.#render());
    store.on('session-changed', () => this.#render());
  }

  #render() {
    const since = this.store.session ? this.store.offlineSince : null;
    this.banner.hidden = !since;
    document.body.classList.toggle('is-offline', !!since);
    if (!since) {
      this.text.textContent = '';
      this.more.textContent = '';
      return;
    }
    const n = this.store.customers.size;
    const who = n === 1 ? '1 customer' : `${formatCount(n)} customers`;
    this.text.textContent = `This computer is offline: ${who} could not be checked`;
    this.more.textContent = `Since ${formatWhen(since)}. Customers keep their last known state; checks resume when the network is back.`;
  }
}
