// @ts-check
// A customer's data sync as the screen shows it (state, the Status tooltip) and Sync Now, shared
// by the customer table and the detail dialog. The status text is the core's `status` label,
// shown as sent; must never re-word it.
import { invoke, toApiError } from '../api.js';
import { formatWhen, toDate } from '../lib/format.js';

/** @import { Customer, SyncState, SyncStatus } from '../types' */
/** @import { Store } from '../store.js' */

/**
 * The core's label for a running sync. Only for the moments no payload carries a label: Sync Now
 * shows it at once, before the core's first `sync-updated` confirms the run, and the detail
 * dialog shows it from `customer_details`, whose `sync` comes without one.
 */
export const SYNC_RUNNING_LABEL = 'Sync in progress';

/**
 * The state, "never" for anything unexpected.
 * @param {SyncStatus | null | undefined} sync
 * @returns {SyncState}
 */
export function syncState(sync) {
  const s = sync && sync.state;
  return s === 'running' || s === 'success' || s === 'failed' ? s : 'never';
}

/**
 * Tooltip of the Status cell: the label, when it happened and, for a failure, why.
 * @param {string} status  the core's label
 * @param {SyncStatus | null | undefined} sync
 */
export function syncTooltip(status, sync) {
  const state = syncState(sync);
  const at = sync && toDate(sync.at) ? `at ${formatWhen(sync && sync.at)}` : '';
  if (state === 'success' && at) return `${status} ${at}`;
  if (state === 'failed') return [status, sync && sync.reason ? String(sync.reason) : '', at].filter(Boolean).join(' · ');
  return status;
}

/** @type {Map<string, Promise<Customer>>} id -> the running sync_customer call */
const syncing = new Map();

/**
 * Sync Now for one customer: shows "Sync in progress" at once, then the returned Customer
 * replaces the row's data. A second call while one runs joins it. Rejects with the ApiError
 * (after restoring the previous state).
 * @param {Store} store
 * @param {string} id
 * @returns {Promise<Customer>}
 */
export function syncCustomer(store, id) {
  const running = syncing.get(id);
  if (running) return running;
  const c = store.getCustomer(id);
  const prev = c ? { status: c.status, sync: c.sync || { state: 'never', at: null, reason: null } } : null;
  /** @type {SyncStatus} */
  const optimistic = { state: 'running', at: prev ? prev.sync.at ?? null : null, reason: null };
  if (c) store.setSync(id, SYNC_RUNNING_LABEL, optimistic);
  const run = (async () => {
    try {
      const customer = await invoke('sync_customer', { id });
      if (customer && store.getCustomer(customer.id)) store.upsertCustomer(customer);
      return customer;
    } catch (err) {
      const cur = store.getCustomer(id);
      if (cur && prev && cur.sync === optimistic) store.setSync(id, prev.status, prev.sync);
      if (toApiError(err).code === 'not_found') store.removeCustomer(id);
      throw err;
    } finally {
      syncing.delete(id);
    }
  })();
  syncing.set(id, run);
  return run;
}
