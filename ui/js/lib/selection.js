// @ts-check
// A set of chosen ids that tells its listeners when it changes: the rows a person ticked, shared
// by the table (checkboxes) and the bulk bar (what to act on). Owns the set only; must never know
// what the ids are or what is done with them.

export class Selection {
  /** @type {Set<string>} */
  #ids = new Set();
  /** @type {Array<() => void>} */
  #listeners = [];

  /** @param {() => void} fn  called after every change */
  onChange(fn) {
    this.#listeners.push(fn);
  }

  #changed() {
    for (const fn of this.#listeners) fn();
  }

  get size() {
    return this.#ids.size;
  }

  /** @param {string} id */
  has(id) {
    return this.#ids.has(id);
  }

  /** The chosen ids, in the order they were chosen. */
  ids() {
    return Array.from(this.#ids);
  }

  /**
   * Chooses (`on`) or drops each of `ids`.
   * @param {Iterable<string>} ids
   * @param {boolean} on
   */
  set(ids, on) {
    let changed = false;
    for (const id of ids) {
      if (on ? !this.#ids.has(id) : this.#ids.has(id)) {
        if (on) this.#ids.add(id);
        else this.#ids.delete(id);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  /** @param {string} id */
  toggle(id) {
    this.set([id], !this.#ids.has(id));
  }

  /** Keeps only the ids `keep` says still exist. @param {(id: string) => boolean} keep */
  prune(keep) {
    const gone = this.ids().filter((id) => !keep(id));
    if (gone.length) this.set(gone, false);
  }

  clear() {
    if (!this.#ids.size) return;
    this.#ids.clear();
    this.#changed();
  }
}
