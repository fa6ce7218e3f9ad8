// @ts-check
// Pieces of License Management shared by its page and the Allocation Details box: the push state,
// the usage alert icon, a pool line with its bar. Resource names are shown with the core's
// `label`, never re-worded here. Builds nodes only; must never fetch anything.
import { el, svg, svgEl } from '../lib/dom.js';
import { formatCount, formatWholePercent } from '../lib/format.js';
import { WARN } from '../icons.js';

/** @import { PoolLine } from '../types' */

/**
 * The push state, "none" for anything unexpected.
 * @param {string | null | undefined} v
 * @returns {'none' | 'applied' | 'pending' | 'failed'}
 */
export function pushState(v) {
  return v === 'applied' || v === 'pending' || v === 'failed' ? v : 'none';
}

/** @param {unknown} v a number from the core, 0 when it is not one */
export function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/**
 * The alert's wording for the threshold in force.
 * @param {number} threshold  percent; NaN when unknown
 */
export function alertText(threshold) {
  return Number.isFinite(threshold)
    ? `Usage at or above ${formatWholePercent(threshold)} of the allocation`
    : 'Usage at or above the alert threshold';
}

/**
 * The warning icon for usage at or above the alert threshold.
 * @param {string} text  its label and tooltip
 */
export function warnIcon(text) {
  const icon = el('span', { class: 'alloc-alert', role: 'img', 'aria-label': text, title: text });
  icon.append(svg(WARN));
  return icon;
}

/**
 * Pool bar: allocated share of the total, a thin marker for in use, red beyond the total.
 * @param {PoolLine} r
 */
function poolBar(r) {
  const total = Math.max(0, num(r.total));
  const allocated = Math.max(0, num(r.allocated));
  const inUse = Math.max(0, num(r.inUse));
  const scale = Math.max(total, allocated, inUse, 1);
  const pct = (/** @type {number} */ v) => Math.min(100, (v / scale) * 100);
  const bar = svgEl('svg', { class: 'pool-bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' });
  bar.append(svgEl('rect', { class: 'pool-track', x: 0, y: 0, width: pct(total), height: 10 }));
  const inside = Math.min(allocated, total);
  if (inside > 0) bar.append(svgEl('rect', { class: 'pool-alloc', x: 0, y: 0, width: pct(inside), height: 10 }));
  if (allocated > total) bar.append(svgEl('rect', { class: 'pool-over', x: pct(total), y: 0, width: pct(allocated) - pct(total), height: 10 }));
  const mx = Math.min(99.6, Math.max(0.4, pct(inUse)));
  bar.append(svgEl('line', { class: 'pool-inuse', x1: mx, x2: mx, y1: 0, y2: 10, 'vector-effect': 'non-scaling-stroke' }));
  return bar;
}

/**
 * One resource of the pool: label, the numbers, the bar, and a note when over-allocated.
 * @param {PoolLine} r
 */
export function poolRow(r) {
  const over = Math.max(0, num(r.overBy));
  const numbers = el('p', { class: 'pool-numbers' },
    'Total ', el('strong', { text: formatCount(r.total) }),
    ' · Allocated ', el('strong', { text: formatCount(r.allocated) }),
    ' · In use ', el('strong', { text: formatCount(r.inUse) }),
    ' · Available ', el('strong', { class: 'pool-available', text: formatCount(r.available) }));
  const row = el('div', { class: 'pool-row', dataset: { resource: String(r.resource ?? '') }, 'data-over': over > 0 ? 'true' : 'false' },
    el('div', { class: 'pool-head' }, el('span', { class: 'pool-label', text: r.label }), numbers),
    poolBar(r));
  if (over > 0) row.append(el('p', { class: 'pool-over-text', role: 'note', text: `Over-allocated by ${formatCount(over)}: reduce allocations before allocating more` }));
  return row;
}
