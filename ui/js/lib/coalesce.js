// @ts-check
// Frame coalescing: bursts of events (a health sweep or Sync All over thousands of customers)
// are applied once per animation frame, so a burst costs one DOM pass. Owns the scheduling only;
// must never touch the DOM itself.

/** requestAnimationFrame does not run while the window is hidden: a timer backs it up. */
const BACKUP_MS = 250;

/**
 * Returns `schedule()`: however often it is called, `flush` runs once, at the next frame (or
 * after 250 ms when no frame comes). A call after that flush schedules the next one.
 * @param {() => void} flush
 * @returns {() => void}
 */
export function frameCoalescer(flush) {
  let scheduled = false;
  return function schedule() {
    if (scheduled) return;
    scheduled = true;
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      scheduled = false;
      flush();
    };
    requestAnimationFrame(run);
    setTimeout(run, BACKUP_MS);
  };
}

/**
 * Resolves once the next frame has been drawn (or after 250 ms when no frame comes): work
 * that would hold the main thread waits until what was just drawn is on screen.
 * @returns {Promise<void>}
 */
export function afterNextFrame() {
  return new Promise((resolve) => frameCoalescer(() => setTimeout(resolve, 0))());
}

/**
 * Values by key, the last one per key winning, handed to `apply` as one batch per frame.
 * @template K, V
 */
export class FrameBatch {
  /** @param {(batch: Map<K, V>) => void} apply  gets a non-empty batch */
  constructor(apply) {
    /** @type {Map<K, V>} */
    this.pending = new Map();
    this.schedule = frameCoalescer(() => {
      const batch = this.pending;
      this.pending = new Map();
      if (batch.size) apply(batch);
    });
  }

  /** @param {K} key @param {V} value */
  set(key, value) {
    this.pending.set(key, value);
    this.schedule();
  }

  /** Removes and returns what is pending for `key`. @param {K} key @returns {V | undefined} */
  take(key) {
    const value = this.pending.get(key);
    this.pending.delete(key);
    return value;
  }

  /** @param {K} key */
  delete(key) {
    this.pending.delete(key);
  }

  clear() {
    this.pending = new Map();
  }
}
