// @ts-check
// Idle lock: tracks pointer and key activity, pings touch_session at most every 30 s while the
// user is active, and calls back after idleLockSeconds without activity. Owns its timers and
// window listeners; must never show a screen itself (main.js decides what locking means).
import { invoke } from './api.js';

const TOUCH_EVERY_MS = 30_000;
const CHECK_EVERY_MS = 5_000;
const DEFAULT_IDLE_SECONDS = 900;
/** @type {Array<keyof WindowEventMap>} */
const EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'];

let lastActivity = 0;
let lastTouch = 0;
let idleMs = DEFAULT_IDLE_SECONDS * 1000;
/** @type {ReturnType<typeof setInterval> | null} */
let timer = null;
/** @type {(() => void) | null} */
let onIdle = null;
let touching = false;

function activity() {
  if (!timer) return;
  const now = Date.now();
  lastActivity = now;
  if (now - lastTouch >= TOUCH_EVERY_MS && !touching) {
    lastTouch = now;
    touching = true;
    // A `locked` answer is handled by the api lock handler.
    invoke('touch_session').catch(() => {}).finally(() => { touching = false; });
  }
}

function check() {
  if (Date.now() - lastActivity >= idleMs) {
    const cb = onIdle;
    stopIdleTimer();
    if (cb) cb();
  }
}

/**
 * Starts watching for inactivity (again).
 * @param {number | null | undefined} idleLockSeconds  from app_info; 900 when missing
 * @param {() => void} idleCallback
 */
export function startIdleTimer(idleLockSeconds, idleCallback) {
  stopIdleTimer();
  const secs = Number(idleLockSeconds);
  idleMs = (Number.isFinite(secs) && secs > 0 ? secs : DEFAULT_IDLE_SECONDS) * 1000;
  onIdle = idleCallback;
  lastActivity = Date.now();
  lastTouch = Date.now(); // login / setup just refreshed the session
  for (const ev of EVENTS) window.addEventListener(ev, activity, { capture: true, passive: true });
  timer = setInterval(check, Math.min(CHECK_EVERY_MS, idleMs));
  // Timers are throttled in hidden windows: re-check as soon as we are visible.
  document.addEventListener('visibilitychange', check);
}

export function stopIdleTimer() {
  if (timer) clearInterval(timer);
  timer = null;
  onIdle = null;
  for (const ev of EVENTS) window.removeEventListener(ev, activity, { capture: true });
  document.removeEventListener('visibilitychange', check);
}
