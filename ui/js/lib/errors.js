// @ts-check
// The one router for failed calls. `locked` belongs to the lock handler (api.js calls it and the
// login screen takes over), so a view does nothing more with it; every other code goes where the
// view routes it. Must never show the login screen itself, nor decide a view's wording.
import { toApiError } from '../api.js';
import { showToast } from './toast.js';

/** @import { ApiError, ErrorCode } from '../api.js' */
/** @typedef {(err: ApiError) => void} ErrorRoute */
/**
 * A route per error code the view cares about (`forbidden`, `not_found`, `validation`, …) and
 * `other` for the rest.
 * @typedef {Partial<Record<ErrorCode, ErrorRoute>> & { other: ErrorRoute }} ErrorRoutes
 */

/**
 * @param {unknown} raw  what the call rejected with
 * @param {ErrorRoutes} routes
 */
export function routeError(raw, routes) {
  const err = toApiError(raw);
  if (err.code === 'locked') return;
  (routes[err.code] ?? routes.other)(err);
}

/** The core's message as an error toast (e.g. `forbidden`: "Only administrators …"). @type {ErrorRoute} */
export function toastMessage(err) {
  showToast(err.message, 'error');
}

/**
 * A failed action as an error toast: `forbidden` says so as the core words it, anything else
 * after `prefix` ("Sync All failed: …").
 * @param {unknown} raw
 * @param {string} [prefix]
 */
export function toastError(raw, prefix = '') {
  routeError(raw, {
    forbidden: toastMessage,
    other: (err) => showToast(`${prefix}${err.message}`, 'error'),
  });
}
