// @ts-check
// "Latest reply wins": a view that asks the core again before the last answer came back must
// only ever show the newest answer. Owns the counting; must never know what is being asked.

/**
 * Hands out one ticket per request; a ticket stays current until a newer request begins or the
 * view drops everything on its way (reset, close, or a newer answer that arrived by another call).
 *
 *   const current = this.loads.begin();
 *   const answer = await invoke(…);
 *   if (!current()) return; // a newer request (or a reset) superseded this one
 */
export class LatestReply {
  #newest = 0;

  /** Starts a request. @returns {() => boolean} whether it is still the newest */
  begin() {
    const mine = ++this.#newest;
    return () => mine === this.#newest;
  }

  /** Makes every answer still on its way stale. */
  invalidate() {
    this.#newest += 1;
  }
}
