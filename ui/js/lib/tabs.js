// @ts-check
// ARIA tabs: one tab selected (aria-selected, roving tabindex), its panel shown, arrow keys,
// Home and End move between tabs. Owns the tablist's state; must never fill the panels.

export class Tabs {
  /**
   * @param {HTMLElement} tabList  [role=tablist] holding [role=tab][data-tab] buttons
   * @param {HTMLElement[]} panels  each with data-panel naming its tab
   * @param {(name: string) => void} [onSelect]
   */
  constructor(tabList, panels, onSelect) {
    /** @type {HTMLElement[]} */
    this.tabs = Array.from(tabList.querySelectorAll('[role="tab"]'));
    this.panels = panels;
    this.onSelect = onSelect;
    tabList.addEventListener('click', (e) => {
      const tab = /** @type {Element} */ (e.target).closest('[role="tab"]');
      if (tab instanceof HTMLElement && tabList.contains(tab)) this.select(tab.dataset.tab ?? '');
    });
    tabList.addEventListener('keydown', (e) => this.#key(e));
  }

  /**
   * @param {string} name
   * @param {boolean} [focus]  move focus to the tab (keyboard)
   */
  select(name, focus = false) {
    for (const t of this.tabs) {
      const on = t.dataset.tab === name;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    }
    for (const p of this.panels) p.hidden = p.dataset.panel !== name;
    if (this.onSelect) this.onSelect(name);
  }

  /** @param {KeyboardEvent} e */
  #key(e) {
    const tabs = this.tabs;
    const i = tabs.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (i < 0) return;
    /** @type {Record<string, HTMLElement | undefined>} */
    const next = {
      ArrowRight: tabs[(i + 1) % tabs.length],
      ArrowLeft: tabs[(i - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    };
    const to = next[e.key];
    if (!to) return;
    e.preventDefault();
    this.select(to.dataset.tab ?? '', true);
  }
}
