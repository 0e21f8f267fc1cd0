/**
 * Hand-written SVG charts for the bench report (no dependency): grouped bars
 * and line charts, light styling, readable on GitHub.
 */

const W = 760;
const H = 320;
const M = { top: 40, right: 20, bottom: 64, left: 70 };
const COLORS = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#c53030', '#718096'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2));

/** A "nice" axis maximum and tick step for values up to `max`. */
function axis(max: number): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 0.25 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function frame(title: string, yLabel: string, top: number, step: number, plotH: number, plotW: number): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text transform="translate(16,${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = M.top + plotH - (v / top) * plotH;
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#e2e8f0"/>`);
    out.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" fill="#4a5568">${fmt(v)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#4a5568"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#4a5568"/>`);
  return out;
}

function legend(series: string[], x0: number): string[] {
  return series.map((s, i) => {
    const x = x0 + i * 150;
    return `<rect x="${x}" y="${H - 18}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 16}" y="${H - 8}">${esc(s)}</text>`;
  });
}

/** Grouped bars: one group per label, one bar per series; NaN values leave a gap. */
export function barChart(o: { title: string; yLabel: string; groups: string[]; series: string[]; values: number[][]; yMax?: number }): string {
  const plotW = W - M.left - M.right, plotH = H - M.top - M.bottom;
  const max = o.yMax ?? Math.max(0, ...o.values.flat().filter(Number.isFinite));
  const { top, step } = axis(max);
  const out = frame(o.title, o.yLabel, top, step, plotH, plotW);
  const gw = plotW / Math.max(1, o.groups.length);
  const bw = Math.min(40, (gw * 0.8) / Math.max(1, o.series.length));
  o.groups.forEach((g, gi) => {
    const gx = M.left + gi * gw + (gw - bw * o.series.length) / 2;
    o.series.forEach((_, si) => {
      const v = o.values[gi]?.[si];
      if (v === undefined || !Number.isFinite(v)) return;
      const h = (Math.min(v, top) / top) * plotH;
      const x = gx + si * bw, y = M.top + plotH - h;
      out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${g}, ${o.series[si]}: ${fmt(v)}`)}</title></rect>`);
      out.push(`<text x="${(x + bw / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#2d3748">${fmt(v)}</text>`);
    });
    out.push(`<text x="${(M.left + gi * gw + gw / 2).toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(g)}</text>`);
  });
  out.push(...legend(o.series, M.left), '</svg>');
  return out.join('\n');
}

/** Lines over a numeric x axis; one polyline per series, points labelled; optional horizontal limit line. */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: { name: string; points: [number, number][] }[]; limit?: { y: number; label: string } }): string {
  const plotW = W - M.left - M.right, plotH = H - M.top - M.bottom;
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const { top, step } = axis(Math.max(0, ...ys, o.limit?.y ?? 0));
  const xAxis = axis(Math.max(1, ...xs));
  const X = (v: number) => M.left + (v / xAxis.top) * plotW;
  const Y = (v: number) => M.top + plotH - (Math.min(v, top) / top) * plotH;
  const out = frame(o.title, o.yLabel, top, step, plotH, plotW);
  for (let v = 0; v <= xAxis.top + xAxis.step / 2; v += xAxis.step) {
    out.push(`<text x="${X(v).toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle" fill="#4a5568">${fmt(v)}</text>`);
  }
  out.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH + 34}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  if (o.limit) {
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${Y(o.limit.y)}" y2="${Y(o.limit.y)}" stroke="#c53030" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${M.left + plotW - 4}" y="${Y(o.limit.y) - 4}" text-anchor="end" fill="#c53030">${esc(o.limit.label)}</text>`);
  }
  o.series.forEach((s, si) => {
    const c = COLORS[si % COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p[1])).sort((a, b) => a[0] - b[0]);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts) {
      out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="4" fill="${c}"><title>${esc(`${s.name}: ${fmt(x)} → ${fmt(y)}`)}</title></circle>`);
      out.push(`<text x="${X(x).toFixed(1)}" y="${(Y(y) - 8).toFixed(1)}" text-anchor="middle" font-size="10" fill="${c}">${fmt(y)}</text>`);
    }
  });
  out.push(...legend(o.series.map((s) => s.name), M.left), '</svg>');
  return out.join('\n');
}
