/**
 * Bar charts as inline SVG, drawn here (no chart library, no script): grouped bars per category,
 * a y axis with round ticks, a legend, and a title and description for screen readers.
 */
import { html, type SafeHtml } from './html.ts';

/** A chart's data: one value per category per series. */
export interface BarChartData {
  id: string;
  title: string;
  description: string;
  categories: string[];
  series: { name: string; values: number[] }[];
  yLabel: string;
}

const W = 640;
const H = 280;
const M = { top: 16, right: 16, bottom: 44, left: 48 };

/** The smallest "nice" axis maximum (1, 2, 5 × 10^n) at or above `max`, and its tick step. */
export function niceScale(max: number): { max: number; step: number } {
  if (max <= 0) return { max: 4, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude) as number;
  const niceStep = Math.max(step, 1);
  return { max: Math.ceil(max / niceStep) * niceStep, step: niceStep };
}

/** The chart as an `<svg role="img">` element. */
export function renderBarChart(data: BarChartData): SafeHtml {
  const all = data.series.flatMap((s) => s.values);
  const scale = niceScale(Math.max(0, ...all));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const band = plotW / Math.max(1, data.categories.length);
  const groupW = band * 0.72;
  const barW = groupW / Math.max(1, data.series.length);
  const y = (v: number) => M.top + plotH - (v / scale.max) * plotH;
  const ticks: number[] = [];
  for (let t = 0; t <= scale.max; t += scale.step) ticks.push(t);
  const titleId = `${data.id}-title`;
  const descId = `${data.id}-desc`;
  return html`<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${titleId} ${descId}" class="bar-chart" preserveAspectRatio="xMidYMid meet">
  <title id="${titleId}">${data.title}</title>
  <desc id="${descId}">${data.description}</desc>
  ${ticks.map(
    (
      t,
    ) => html`<g class="tick"><line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="gridline"></line>
    <text x="${M.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" class="axis-label">${t}</text></g>`,
  )}
  <text x="12" y="${M.top + plotH / 2}" transform="rotate(-90 12 ${M.top + plotH / 2})" text-anchor="middle" class="axis-title">${data.yLabel}</text>
  ${data.categories.map((category, ci) => {
    const x0 = M.left + ci * band + (band - groupW) / 2;
    return html`<g class="category">
    ${data.series.map((s, si) => {
      const value = s.values[ci] ?? 0;
      const top = y(value);
      return html`<rect x="${(x0 + si * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, barW - 2).toFixed(1)}" height="${(M.top + plotH - top).toFixed(1)}" class="bar series-${si % 6}"><title>${s.name}, ${category}: ${value}</title></rect>`;
    })}
    <text x="${(M.left + ci * band + band / 2).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle" class="axis-label">${category}</text>
    </g>`;
  })}
  <line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" class="axis"></line>
</svg>
${
  data.series.length > 1
    ? html`<figcaption><ul class="legend">${data.series.map(
        (s, si) => html`<li><span class="swatch series-${si % 6}" aria-hidden="true"></span>${s.name}</li>`,
      )}</ul></figcaption>`
    : ''
}
</figure>`;
}
