import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.ts';
import { rate, time } from './format.ts';

export interface RatePoint {
  timestamp: string;
  rateIn: number;
  rateOut: number;
}

export interface RateChart {
  readonly element: HTMLElement;
  /** Draws `points` over the last `windowMs` (the axis spans the whole window, however few the points). */
  set(points: readonly RatePoint[], span: string, windowMs: number): void;
  destroy(): void;
}

const cssVar = (name: string): string =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

/**
 * An in/out rate chart (uPlot on a canvas) with its text twin: a caption summing it up and the points as a table,
 * so screen readers and text browsers get the same numbers.
 */
export function createRateChart(label: string, height = 200): RateChart {
  const plotBox = h('div', { class: 'chart-canvas', 'aria-hidden': 'true' });
  const caption = h('figcaption', { class: 'chart-caption' }, 'No data yet.');
  const rows = h('tbody');
  const table = h(
    'table',
    { class: 'data' },
    h('caption', null, `${label}: newest points`),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Time'),
        h('th', { scope: 'col' }, 'In'),
        h('th', { scope: 'col' }, 'Out'),
      ),
    ),
    rows,
  );
  const element = h(
    'figure',
    { class: 'chart', 'data-points': '0' },
    plotBox,
    caption,
    h('details', null, h('summary', null, 'Data as text'), table),
  );
  let plot: uPlot | undefined;
  const axis = (): uPlot.Axis => ({
    stroke: cssVar('--muted'),
    grid: { stroke: cssVar('--grid'), width: 1 },
    ticks: { stroke: cssVar('--grid'), width: 1 },
  });
  const make = (data: uPlot.AlignedData): uPlot =>
    new uPlot(
      {
        width: Math.max(200, plotBox.clientWidth || 600),
        height,
        legend: { show: true },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        axes: [axis(), { ...axis(), size: 70, values: (_u, ticks) => ticks.map((t) => rate(t)) }],
        series: [
          {},
          { label: 'In', stroke: cssVar('--in'), width: 1.5, value: (_u, v) => (v == null ? '—' : rate(v)) },
          {
            label: 'Out',
            stroke: cssVar('--out'),
            width: 1.5,
            value: (_u, v) => (v == null ? '—' : rate(v)),
          },
        ],
      },
      data,
      plotBox,
    );
  const resize = new ResizeObserver(() => {
    if (plot && plotBox.clientWidth > 0) plot.setSize({ width: plotBox.clientWidth, height });
  });
  resize.observe(plotBox);

  return {
    element,
    set(points, span, windowMs) {
      const xs = points.map((p) => new Date(p.timestamp).getTime() / 1000);
      const end = Math.max(Date.now() / 1000, xs.at(-1) ?? 0);
      const start = Math.min(end - windowMs / 1000, xs[0] ?? end);
      // Empty ends stretch the axis over the window; zooming and its reset still work on the data.
      const data: uPlot.AlignedData = [
        [start, ...xs, end],
        [null, ...points.map((p) => p.rateIn), null],
        [null, ...points.map((p) => p.rateOut), null],
      ];
      if (plot) plot.setData(data);
      else plot = make(data);
      element.dataset.points = String(points.length);
      element.dataset.traffic = String(points.filter((p) => p.rateIn + p.rateOut > 0).length);
      const peak = (k: 'rateIn' | 'rateOut'): number => points.reduce((m, p) => Math.max(m, p[k]), 0);
      const last = points.at(-1);
      caption.textContent = last
        ? `${label}, last ${span}: in ${rate(last.rateIn)} now (peak ${rate(peak('rateIn'))}), out ${rate(last.rateOut)} now (peak ${rate(peak('rateOut'))}); ${points.length} points.`
        : `${label}, last ${span}: no data yet.`;
      rows.replaceChildren(
        ...points
          .slice(-20)
          .reverse()
          .map((p) =>
            h(
              'tr',
              null,
              h('td', null, time(p.timestamp)),
              h('td', null, rate(p.rateIn)),
              h('td', null, rate(p.rateOut)),
            ),
          ),
      );
    },
    destroy() {
      resize.disconnect();
      plot?.destroy();
    },
  };
}
