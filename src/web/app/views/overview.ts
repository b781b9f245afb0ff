import { createRateChart } from '../chart.ts';
import { fill, h } from '../dom.ts';
import { bytes, rate } from '../format.ts';
import { errorText, every, heading, type View, type ViewContext } from '../ui.ts';

const stat = (label: string, value: string, id: string): HTMLElement =>
  h('div', { class: 'stat' }, h('dt', null, label), h('dd', { id }, value));

/** Counts, total rates with the last 15 minutes charted, and the busiest services. */
export function overviewView(ctx: ViewContext): View {
  const stats = h('dl', { class: 'stats' });
  const busiest = h('ol', { class: 'busiest' });
  const chart = createRateChart('All traffic');
  const chartError = h('p', { class: 'message message-error', role: 'status' });
  const render = (): void => {
    const s = ctx.live.summary();
    if (!s) return;
    fill(
      stats,
      stat('Services active', `${s.activeServices} / ${s.totalServices}`, 'stat-services'),
      stat('Forwards active', `${s.activeForwards} / ${s.totalForwards}`, 'stat-forwards'),
      stat('Errors', String(s.errorCount), 'stat-errors'),
      stat('In', rate(s.rateIn), 'stat-in'),
      stat('Out', rate(s.rateOut), 'stat-out'),
      stat('Transferred', `${bytes(s.totalBytesIn)} in · ${bytes(s.totalBytesOut)} out`, 'stat-total'),
    );
    const top = [...ctx.live.services()]
      .sort((a, b) => b.rateIn + b.rateOut - (a.rateIn + a.rateOut) || b.totalBytesIn - a.totalBytesIn)
      .slice(0, 5);
    fill(
      busiest,
      top.length
        ? top.map((sv) =>
            h(
              'li',
              null,
              h('a', { href: `#/services/${encodeURIComponent(sv.key)}` }, sv.key),
              ` — in ${rate(sv.rateIn)}, out ${rate(sv.rateOut)}`,
            ),
          )
        : h('li', null, 'No services forwarded yet: add a namespace from Browse.'),
    );
  };
  const off = ctx.live.subscribe(render);
  render();
  const stop = every(5000, async () => {
    try {
      const hist = await ctx.client.call(
        ctx.client.api.GET('/api/v1/metrics/history', {
          params: { query: { duration: '15m', interval: '10s' } },
        }),
      );
      chart.set(hist.points, '15 minutes', 15 * 60_000);
      chartError.textContent = '';
    } catch (err) {
      chartError.textContent = `History unavailable: ${errorText(err)}`;
    }
  });
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'view-title' },
    heading('Overview'),
    stats,
    h('h2', null, 'Traffic, last 15 minutes'),
    chart.element,
    chartError,
    h('h2', null, 'Busiest services'),
    busiest,
  );
  return {
    element,
    destroy() {
      off();
      stop();
      chart.destroy();
    },
  };
}
