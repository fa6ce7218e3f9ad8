// @ts-check
// Catching up on customers' certificates. The core tells the window nothing when it notices a
// changed certificate (only the desktop notification says so), so the views ask again at the
// moments it may have happened: a dialog about the customer closes, a sync or check of it failed.
// One list_customers, then only the rows whose trust, certificate state or cleartext differ are
// touched. Must never rebuild the table, nor show anything itself.
import { invoke } from '../api.js';
import { routeError } from '../lib/errors.js';

/** @import { Store } from '../store.js' */

/** @type {Promise<void> | null} the refresh running now */
let running = null;
/** Another refresh was asked for while one ran: run once more after it. */
let again = false;

/**
 * Refreshes what the store knows of every customer's certificate. Calls while one runs are
 * folded into one more run after it. Failures are only logged: the next list load catches up.
 * @param {Store} store
 * @returns {Promise<void>}
 */
export function refreshTrust(store) {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      try {
        const list = await invoke('list_customers');
        if (store.session) store.applyTrust(list);
      } catch (err) {
        routeError(err, { other: (e) => console.warn('Could not refresh the customers\' certificates:', e.message) });
      }
    } while (again);
  })().finally(() => { running = null; });
  return running;
}
