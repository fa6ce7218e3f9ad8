// @ts-check
// Tags as the screen shows them, shared by the table, the quick filters, the detail view, the tag
// dialogs and the technician dialog: a chip in the tag's palette colour (CSS picks the colours
// for data-colour, legible on the console's light theme), the palette itself, the colour picker.
// Builds nodes from what the core sent, text only; must never change a tag itself.
import { el } from '../lib/dom.js';

/** @import { Tag, TagColour } from '../types' */

/** The palette, in the order the picker shows it. @type {TagColour[]} */
export const PALETTE = ['slate', 'red', 'orange', 'amber', 'green', 'teal', 'blue', 'violet', 'pink'];

/** @type {Record<TagColour, string>} */
const COLOUR_NAME = {
  slate: 'Slate', red: 'Red', orange: 'Orange', amber: 'Amber', green: 'Green',
  teal: 'Teal', blue: 'Blue', violet: 'Violet', pink: 'Pink',
};

/** @param {unknown} c @returns {TagColour} */
export function colourOf(c) {
  return PALETTE.includes(/** @type {TagColour} */ (c)) ? /** @type {TagColour} */ (c) : 'slate';
}

/**
 * A tag's chip: its name on its colour.
 * @param {Pick<Tag, 'name' | 'colour'>} tag
 * @param {{ count?: number | string, small?: boolean }} [options]  count: shown after the name
 */
export function tagChip(tag, { count, small = false } = {}) {
  const name = String(tag.name ?? '');
  return el('span', { class: small ? 'tag-chip tag-chip-small' : 'tag-chip', 'data-colour': colourOf(tag.colour), title: `Tag: ${name}` },
    el('span', { class: 'tag-chip-name', text: name }),
    count === undefined ? null : el('span', { class: 'tag-chip-count', text: String(count) }));
}

/**
 * The chips of the tags `ids` names that `lookup` knows, sorted by name.
 * @param {number[]} ids
 * @param {(id: number) => Tag | null} lookup
 * @param {{ small?: boolean }} [options]
 */
export function tagChips(ids, lookup, { small = true } = {}) {
  const tags = (Array.isArray(ids) ? ids : []).map((id) => lookup(id)).filter((t) => t !== null);
  tags.sort((a, b) => String(a.name).localeCompare(String(b.name), undefined, { sensitivity: 'base', numeric: true }));
  return tags.map((t) => tagChip(t, { small }));
}

/**
 * The colour picker: one radio per palette colour, drawn as a swatch.
 * @param {string} name  the radios' name (one picker per form)
 * @param {TagColour} [chosen]
 */
export function colourPicker(name, chosen = 'blue') {
  return el('div', { class: 'colour-picker', role: 'radiogroup', 'aria-label': 'Colour' },
    ...PALETTE.map((c) => el('label', { class: 'colour-swatch', 'data-colour': c, title: COLOUR_NAME[c] },
      el('input', { type: 'radio', name, value: c, checked: c === chosen, 'aria-label': COLOUR_NAME[c] }))));
}

/**
 * The colour chosen in a picker.
 * @param {HTMLElement} picker
 * @returns {TagColour}
 */
export function pickedColour(picker) {
  const on = picker.querySelector('input:checked');
  return colourOf(on instanceof HTMLInputElement ? on.value : 'slate');
}
