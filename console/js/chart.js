const SVG = 'http://www.w3.org/2000/svg';
const MAX_SERIES = 8;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/**
 * Groups minute points `{at, label, value}` into `bins` equal bins from `since` to `until`, and
 * keeps the largest labels (the others summed as `other`).
 */
export function binSeries(points, since, until, bins) {
  const width = Math.max(1, (until - since) / bins);
  const totals = new Map();
  for (const p of points) totals.set(p.label, (totals.get(p.label) ?? 0) + p.value);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([label]) => label);
  const kept = ranked.slice(0, MAX_SERIES - 1);
  const labels = ranked.length > MAX_SERIES ? [...kept, 'other'] : ranked;
  const grid = labels.map(() => new Array(bins).fill(0));
  for (const p of points) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor((p.at - since) / width)));
    const s = labels.indexOf(kept.includes(p.label) || ranked.length <= MAX_SERIES ? p.label : 'other');
    grid[s][i] += p.value;
  }
  return { labels, grid, totals: labels.map((l) => (l === 'other' ? ranked.slice(MAX_SERIES - 1).reduce((n, r) => n + totals.get(r), 0) : totals.get(l))), width };
}

/** A stacked bar chart as SVG, with a title and description for screen readers. */
export function stackedBars(title, binned, since) {
  const W = 720;
  const H = 200;
  const left = 44;
  const bottom = 22;
  const bins = binned.grid[0]?.length ?? 0;
  const sums = new Array(bins).fill(0);
  for (const row of binned.grid) row.forEach((v, i) => (sums[i] += v));
  const max = Math.max(1, ...sums);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart', 'aria-labelledby': `${title}-t ${title}-d` });
  const t = svg('title', { id: `${title}-t` });
  t.textContent = title;
  const d = svg('desc', { id: `${title}-d` });
  d.textContent = binned.labels.length === 0 ? 'No data in this range.' : binned.labels.map((l, i) => `${l}: ${binned.totals[i]}`).join('; ');
  chart.append(t, d);
  const plotH = H - bottom - 8;
  for (const f of [0, 0.5, 1]) {
    const y = 8 + plotH * (1 - f);
    chart.append(svg('line', { x1: left, x2: W, y1: y, y2: y, class: 'grid' }));
    const label = svg('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' });
    label.textContent = String(Math.round(max * f));
    chart.append(label);
  }
  const bw = (W - left) / Math.max(1, bins);
  for (let i = 0; i < bins; i++) {
    let y = 8 + plotH;
    binned.grid.forEach((row, s) => {
      if (row[i] === 0) return;
      const hgt = (row[i] / max) * plotH;
      y -= hgt;
      chart.append(svg('rect', { x: left + i * bw + 1, y, width: Math.max(1, bw - 2), height: hgt, class: `series-${s}` }));
    });
  }
  for (const [i, text] of [[0, since], [bins, since + bins * binned.width]]) {
    const label = svg('text', { x: Math.min(W - 2, left + i * bw), y: H - 6, class: 'axis', 'text-anchor': i === 0 ? 'start' : 'end' });
    const at = new Date(text);
    const pad = (n) => n.toString().padStart(2, '0');
    label.textContent = `${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
    chart.append(label);
  }
  return chart;
}
