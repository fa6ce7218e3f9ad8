// The only module that touches window.__TAURI__.
// invoke() normalizes every rejection into an ApiError (see docs/ipc.md).

export class ApiError extends Error {
  constructor({ code = 'internal', message = 'Something went wrong.', fields = null, forceDeleteAvailable = false } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.fields = fields && typeof fields === 'object' ? fields : {};
    this.forceDeleteAvailable = forceDeleteAvailable === true;
  }
}

let lockedHandler = null;

/** Called (once per failing call) whenever a command rejects with code `locked`. */
export function setLockedHandler(fn) {
  lockedHandler = typeof fn === 'function' ? fn : null;
}

function tauri() {
  const t = window.__TAURI__;
  if (!t || !t.core || typeof t.core.invoke !== 'function') {
    throw new ApiError({ code: 'internal', message: 'The console backend is not available.' });
  }
  return t;
}

export function toApiError(raw) {
  if (raw instanceof ApiError) return raw;
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return new ApiError({ code: 'internal', message: value || 'Something went wrong.' });
    }
  }
  if (value && typeof value === 'object' && typeof value.code === 'string') {
    return new ApiError({
      code: value.code,
      message: typeof value.message === 'string' && value.message ? value.message : 'Something went wrong.',
      fields: value.fields,
      forceDeleteAvailable: value.forceDeleteAvailable,
    });
  }
  const message = value && typeof value.message === 'string' ? value.message : String(value ?? 'Something went wrong.');
  return new ApiError({ code: 'internal', message });
}

export async function invoke(cmd, args) {
  let t;
  try {
    t = tauri();
  } catch (e) {
    throw toApiError(e);
  }
  try {
    return await t.core.invoke(cmd, args ?? {});
  } catch (raw) {
    const err = toApiError(raw);
    if (err.code === 'locked' && lockedHandler) {
      try { lockedHandler(err); } catch (e) { console.error(e); }
    }
    throw err;
  }
}

/** Subscribe to a backend event; resolves to an unlisten function. cb gets the payload. */
export async function listen(event, cb) {
  const t = window.__TAURI__;
  if (!t || !t.event || typeof t.event.listen !== 'function') {
    console.warn(`Cannot listen for "${event}": event API not available.`);
    return () => {};
  }
  return t.event.listen(event, (e) => cb(e ? e.payload : undefined));
}
