// @ts-check
// The detail dialog's hourly chart, drawn as inline SVG (no library): bars for availability
// (green without failures, red with any, the failed share pale above), a line for average
// latency. Owns the contents of the <svg> it is given; must never fetch data.
import { svgEl } from '../lib/dom.js';
import { formatDayHm, formatLatency, formatWholePercent, toDate } from '../lib/format.js';

/** @import { HourPoint } from '../types' */

const HOUR_MS = 3600_000;

/** Geometry in viewBox units; the SVG scales to the dialog width. */
const CHART = { w: 640, h: 190, left: 40, right: 56, top: 12, bottom: 30 };
const PLOT_W = CHART.w - CHART.left - CHART.right;
const PLOT_H = CHART.h - CHART.top - CHART.bottom;

/** @typedef {{ t: number, checks: number, failures: number, lat: number | null }} Point */
/**
 * Where things go: time -> x, latency -> y, and the width of one hour.
 * @typedef {{ start: number, end: number, slot: number, gap: number, maxLat: number,
 *   x: (t: number) => number, yLat: (v: number) => number }} Scale
 */

/**
 * Renders hourly points into `chart`; returns a description for screen readers, or null when
 * there is nothing to draw (no checks yet).
 * @param {SVGSVGElement} chart
 * @param {HourPoint[] | null | undefined} hourly
 * @returns {{ description: string } | null}
 */
export function renderChart(chart, hourly) {
  const points = toPoints(hourly);
  chart.replaceChildren();
  if (!points.some((p) => p.checks > 0)) return null;
  const scale = scaleFor(points);
  const { group: bars, failedHours } = drawBars(points, scale);
  chart.append(drawGrid(), bars, drawLatency(points, scale), drawLabels(scale));
  if (scale.maxLat > 0) chart.append(drawLatencyLabels(scale.maxLat));
  const y = CHART.top + PLOT_H;
  chart.append(svgEl('line', { x1: CHART.left, x2: CHART.left + PLOT_W, y1: y, y2: y, class: 'chart-axis' }));
  const hoursWithChecks = points.filter((p) => p.checks > 0).length;
  return {
    description: `Hourly availability from ${formatDayHm(scale.start)} to ${formatDayHm(scale.end)}: `
      + `${failedHours} of ${hoursWithChecks} hours had failed checks`
      + (scale.maxLat > 0 ? `; highest average latency ${formatLatency(scale.maxLat)}.` : '.'),
  };
}

/**
 * Valid hours, oldest first, with failures capped at the checks.
 * @param {HourPoint[] | null | undefined} hourly
 * @returns {Point[]}
 */
function toPoints(hourly) {
  /** @type {Point[]} */
  const points = [];
  for (const h of Array.isArray(hourly) ? hourly : []) {
    const d = toDate(h && h.hour);
    if (!d) continue;
    const checks = Math.max(0, Number(h.checks) || 0);
    const failures = Math.min(checks, Math.max(0, Number(h.failures) || 0));
    const lat = h.avgLatencyMs === null || h.avgLatencyMs === undefined ? null : Number(h.avgLatencyMs);
    points.push({ t: d.getTime(), checks, failures, lat: lat !== null && Number.isFinite(lat) ? lat : null });
  }
  return points.sort((a, b) => a.t - b.t);
}

/**
 * @param {Point[]} points  non-empty, sorted
 * @returns {Scale}
 */
function scaleFor(points) {
  const start = points[0].t;
  const end = points[points.length - 1].t + HOUR_MS;
  const hours = Math.max(1, Math.round((end - start) / HOUR_MS));
  const slot = PLOT_W / hours;
  const maxLat = Math.max(0, ...points.map((p) => (p.lat === null ? 0 : p.lat)));
  return {
    start,
    end,
    slot,
    gap: slot > 4 ? Math.min(2, slot * 0.2) : 0,
    maxLat,
    x: (t) => CHART.left + ((t - start) / (end - start)) * PLOT_W,
    yLat: (v) => CHART.top + PLOT_H - (maxLat > 0 ? (v / maxLat) * PLOT_H : 0),
  };
}

function drawGrid() {
  const grid = svgEl('g', { class: 'chart-grid' });
  for (const f of [0, 0.5, 1]) {
    const y = CHART.top + PLOT_H - f * PLOT_H;
    grid.append(svgEl('line', { x1: CHART.left, x2: CHART.left + PLOT_W, y1: y, y2: y }));
  }
  return grid;
}

/**
 * One bar per hour with checks: its height is the share of checks that succeeded.
 * @param {Point[]} points
 * @param {Scale} scale
 */
function drawBars(points, scale) {
  const group = svgEl('g', { class: 'chart-bars' });
  let failedHours = 0;
  const { top } = CHART;
  for (const p of points) {
    if (p.checks === 0) continue;
    const ok = p.checks - p.failures;
    const bx = scale.x(p.t) + scale.gap / 2;
    const bw = Math.max(0.8, scale.slot - scale.gap);
    const bh = (ok / p.checks) * PLOT_H;
    const when = `${formatDayHm(p.t)}: ${ok}/${p.checks} checks ok`;
    if (p.failures > 0) {
      failedHours += 1;
      const miss = svgEl('rect', { x: bx, y: top, width: bw, height: PLOT_H - bh, class: 'bar-miss' });
      miss.append(svgEl('title', {}, when));
      group.append(miss);
    }
    if (bh > 0) {
      const bar = svgEl('rect', { x: bx, y: top + PLOT_H - bh, width: bw, height: bh, class: p.failures > 0 ? 'bar-fail' : 'bar-ok' });
      bar.append(svgEl('title', {}, when + (p.lat !== null ? ` · ${formatLatency(p.lat)}` : '')));
      group.append(bar);
    }
  }
  return { group, failedHours };
}

/**
 * The latency line, broken where an hour has no latency (a lone value is a dot).
 * @param {Point[]} points
 * @param {Scale} scale
 */
function drawLatency(points, scale) {
  const group = svgEl('g', { class: 'chart-latency' });
  /** @type {Array<[number, number]>} */
  let seg = [];
  const flush = () => {
    if (seg.length === 1) group.append(svgEl('circle', { cx: seg[0][0], cy: seg[0][1], r: 1.8 }));
    else if (seg.length > 1) {
      const pts = seg.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
      group.append(svgEl('polyline', { points: pts, class: 'latency-halo' }), svgEl('polyline', { points: pts }));
    }
    seg = [];
  };
  /** @type {number | null} */
  let prevT = null;
  for (const p of points) {
    if (p.lat === null || (prevT !== null && p.t - prevT > HOUR_MS * 1.5)) flush();
    if (p.lat !== null) seg.push([scale.x(p.t) + scale.slot / 2, scale.yLat(p.lat)]);
    prevT = p.t;
  }
  flush();
  return group;
}

/** @param {Scale} scale */
function drawLabels(scale) {
  const { left, top, h } = CHART;
  const labels = svgEl('g', { class: 'chart-labels' });
  labels.append(
    svgEl('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, formatWholePercent(100)),
    svgEl('text', { x: left - 6, y: top + PLOT_H, 'text-anchor': 'end' }, formatWholePercent(0)),
    svgEl('text', { x: left, y: h - 8, 'text-anchor': 'start' }, formatDayHm(scale.start)),
    svgEl('text', { x: left + PLOT_W, y: h - 8, 'text-anchor': 'end' }, formatDayHm(scale.end)));
  return labels;
}

/** @param {number} maxLat */
function drawLatencyLabels(maxLat) {
  const x = CHART.left + PLOT_W + 6;
  const labels = svgEl('g', { class: 'chart-labels chart-labels-latency' });
  labels.append(
    svgEl('text', { x, y: CHART.top + 4, 'text-anchor': 'start' }, formatLatency(maxLat)),
    svgEl('text', { x, y: CHART.top + PLOT_H, 'text-anchor': 'start' }, formatLatency(0)));
  return labels;
}
