// @ts-check
// The webview's only door to Rust: owns window.__TAURI__ and nothing else may touch it.
// invoke() is typed by the Commands map (commands.d.ts) and turns every rejection into an
// ApiError; listen() is typed by the Events map. Must never know about views or the DOM.

/** @import { ArgsWithoutProgress, CommandArgs, Commands, Events, ProgressCommand } from './commands' */
/** @import { Certificate, IpcError, BatchStarted, BatchProgress } from './types' */

/**
 * The error codes of docs/ipc.md; a code the core adds later still arrives, typed as one of these
 * only so that routes keyed by code are checked for typos.
 * @typedef {'validation' | 'not_found' | 'conflict' | 'unreachable' | 'timeout' | 'tls'
 *   | 'auth_failed' | 'locked_out' | 'build_mismatch' | 'linked_to_other_mssp' | 'instance_error'
 *   | 'invalid_response' | 'keychain_unavailable' | 'storage' | 'wrong_password' | 'locked'
 *   | 'forbidden' | 'already_set_up' | 'setup_required' | 'internal' | 'no_license'
 *   | 'certificate_untrusted' | 'certificate_changed' | 'certificate_expired' | 'instance_changed'
 *   | 'console_unavailable' | 'managed_by_policy' | 'update_signature_invalid' | 'update_failed'} ErrorCode
 */

const SOMETHING_WRONG = 'Something went wrong.';

/** A failed command, in the one shape of docs/ipc.md. */
export class ApiError extends Error {
  /** @param {Partial<IpcError>} [raw] */
  constructor({ code = 'internal', message = SOMETHING_WRONG, fields, forceDeleteAvailable = false, certificate } = {}) {
    super(message);
    this.name = 'ApiError';
    /** What the UI branches on. @type {ErrorCode} */
    this.code = /** @type {ErrorCode} */ (code);
    /** Form field -> message (validation only; empty otherwise). @type {Record<string, string>} */
    this.fields = fields && typeof fields === 'object' ? fields : {};
    /** The soft delete failed because of the instance: offer Force Delete. */
    this.forceDeleteAvailable = forceDeleteAvailable === true;
    /**
     * The certificate a `certificate_untrusted` or `certificate_changed` error is about, for the
     * admin to review; null otherwise.
     * @type {Certificate | null}
     */
    this.certificate = certificate && typeof certificate === 'object' ? certificate : null;
  }
}

/** @type {((err: ApiError) => void) | null} */
let lockedHandler = null;

/**
 * Called (once per failing call) whenever a command rejects with code `locked`: the session is
 * gone, so the login screen takes over and views do nothing more with that error.
 * @param {(err: ApiError) => void} fn
 */
export function setLockedHandler(fn) {
  lockedHandler = fn;
}

/**
 * Whatever a call rejected with (the core's JSON, a string, a thrown Error), as an ApiError.
 * @param {unknown} raw
 * @returns {ApiError}
 */
export function toApiError(raw) {
  if (raw instanceof ApiError) return raw;
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return new ApiError({ code: 'internal', message: /** @type {string} */ (value) || SOMETHING_WRONG });
    }
  }
  if (isIpcError(value)) {
    return new ApiError({
      code: value.code,
      message: typeof value.message === 'string' && value.message ? value.message : SOMETHING_WRONG,
      fields: value.fields,
      forceDeleteAvailable: value.forceDeleteAvailable,
      certificate: value.certificate,
    });
  }
  const message = value instanceof Error || hasMessage(value) ? value.message : String(value ?? SOMETHING_WRONG);
  return new ApiError({ code: 'internal', message });
}

/**
 * @param {unknown} value
 * @returns {value is IpcError}
 */
function isIpcError(value) {
  return !!value && typeof value === 'object' && typeof (/** @type {{ code?: unknown }} */ (value).code) === 'string';
}

/**
 * @param {unknown} value
 * @returns {value is { message: string }}
 */
function hasMessage(value) {
  return !!value && typeof value === 'object' && typeof (/** @type {{ message?: unknown }} */ (value).message) === 'string';
}

/** @returns {TauriGlobal} */
function tauri() {
  const t = window.__TAURI__;
  if (!t || !t.core || typeof t.core.invoke !== 'function') {
    throw new ApiError({ code: 'internal', message: 'The console backend is not available.' });
  }
  return t;
}

/**
 * Calls a command of docs/ipc.md. The answer is typed by the Commands map, so a renamed Rust
 * field is a type error at every use. Rejects with an ApiError; `locked` also goes to the lock
 * handler.
 * @template {keyof Commands} K
 * @param {K} cmd
 * @param {CommandArgs<K>} args  Commands[K][0]; nothing for a command without arguments
 * @returns {Promise<Commands[K][1]>}
 */
export async function invoke(cmd, ...args) {
  let t;
  try {
    t = tauri();
  } catch (e) {
    throw toApiError(e);
  }
  try {
    // The shape of the answer is the core's contract (Commands), not something checked here.
    return /** @type {Commands[K][1]} */ (await t.core.invoke(cmd, args[0] ?? {}));
  } catch (raw) {
    const err = toApiError(raw);
    if (err.code === 'locked' && lockedHandler) {
      try {
        lockedHandler(err);
      } catch (e) {
        console.error(e);
      }
    }
    throw err;
  }
}

/**
 * Subscribes to a backend event; resolves to the function that unsubscribes.
 * @template {keyof Events} E
 * @param {E} event
 * @param {(payload: Events[E]) => void} cb  gets the payload
 * @returns {Promise<() => void>}
 */
export async function listen(event, cb) {
  const t = window.__TAURI__;
  if (!t || !t.event || typeof t.event.listen !== 'function') {
    console.warn(`Cannot listen for "${event}": event API not available.`);
    return () => {};
  }
  return t.event.listen(event, (e) => cb(/** @type {Events[E]} */ (e ? e.payload : undefined)));
}

/**
 * Calls a command that reports progress (a bulk action, the import's check and run) with a
 * channel that belongs to this call alone; `onProgress` gets each report as it arrives.
 * @template {ProgressCommand} K
 * @param {K} cmd
 * @param {ArgsWithoutProgress<K>} args
 * @param {(progress: BatchProgress) => void} onProgress
 * @returns {Promise<Commands[K][1]>}
 */
export async function invokeWithProgress(cmd, args, onProgress) {
  let channel;
  try {
    channel = /** @type {TauriChannel<BatchProgress>} */ (new (tauri().core.Channel)());
  } catch (e) {
    throw toApiError(e);
  }
  channel.onmessage = onProgress;
  const full = /** @type {CommandArgs<K>[0]} */ (/** @type {unknown} */ ({ ...args, onProgress: channel }));
  return invoke(cmd, .../** @type {CommandArgs<K>} */ ([full]));
}

/**
 * Starts Sync All; `onProgress` gets the run's progress reports, on a channel that belongs to
 * this call alone (so another window's run never reports here).
 * @param {(progress: BatchProgress) => void} onProgress
 * @returns {Promise<BatchStarted>}
 */
export async function startSyncAll(onProgress) {
  const channel = new (tauri().core.Channel)();
  /** @type {TauriChannel<BatchProgress>} */ (channel).onmessage = onProgress;
  return invoke('sync_all', { onProgress: /** @type {TauriChannel<BatchProgress>} */ (channel) });
}
