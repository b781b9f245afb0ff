import { describe, expect, it } from 'vitest';
import { fit, formatBytes, formatDuration, sparkline } from '../../../src/tui/format.ts';
import { splitKeys } from '../../../src/tui/keys.ts';
import {
  distinctScopes,
  filterForwards,
  primaryHost,
  sortForwards,
  windowStart,
} from '../../../src/tui/rows.ts';
import { resolveTheme } from '../../../src/tui/theme.ts';
import { INITIAL_UI, onMouse, onTableKey, type UiView } from '../../../src/tui/ui-state.ts';
import { forwardRow } from '../../helpers/tui.ts';

const noKey = splitKeys('ab', { ctrl: false, meta: false } as never)[0]?.[1] as Parameters<
  typeof onTableKey
>[2];

describe('rows', () => {
  const rows = sortForwards([
    forwardRow('web', 'alpha', { localPort: 9090 }),
    forwardRow('web', 'alpha', { key: 'web-8080', localPort: 8080 }),
    forwardRow('db', 'beta', { status: 'error', podName: 'db-0' }),
  ]);

  it('sorts by shortest hostname, then local port', () => {
    expect(rows.map((f) => `${primaryHost(f)}:${f.localPort}`)).toEqual(['db:8080', 'web:8080', 'web:9090']);
  });

  it('filters on every word across hostnames, namespace, pod and status', () => {
    expect(filterForwards(rows, 'ERROR').map((f) => f.serviceName)).toEqual(['db']);
    expect(filterForwards(rows, 'db-0 beta')).toHaveLength(1);
    expect(filterForwards(rows, 'web.alpha.svc')).toHaveLength(2);
    expect(filterForwards(rows, 'web error')).toHaveLength(0);
    expect(filterForwards(rows, '  ')).toBe(rows);
  });

  it('keeps the selection inside the window, moving it as little as possible', () => {
    expect(windowStart(0, 0, 10, 1000)).toBe(0);
    expect(windowStart(10, 0, 10, 1000)).toBe(1);
    expect(windowStart(5, 3, 10, 1000)).toBe(3);
    expect(windowStart(2, 3, 10, 1000)).toBe(2);
    expect(windowStart(999, 0, 10, 1000)).toBe(990);
    expect(windowStart(5, 500, 10, 8)).toBe(0);
  });

  it('shows namespace and context columns only when there are several', () => {
    expect(distinctScopes(rows)).toEqual({ namespaces: true, contexts: false });
    expect(distinctScopes(rows.slice(1))).toEqual({ namespaces: false, contexts: false });
  });
});

describe('format', () => {
  it('writes sizes, durations, sparklines and fitted cells', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(5 * 1024 * 1024 * 1024)).toBe('5.0 GB');
    expect(formatDuration(65_000)).toBe('1m5s');
    expect(formatDuration(90_061_000)).toBe('1d1h');
    expect(sparkline([0, 1, 2, 4, 8], 4)).toBe('▁▂▄█');
    expect(sparkline([0, 0], 8)).toBe('▁▁');
    expect(fit('kubernetes', 5)).toBe('kube…');
    expect(fit('ab', 4)).toBe('ab  ');
  });
});

describe('themes', () => {
  it('takes --theme over KUBEFWD_THEME, and NO_COLOR over both', () => {
    expect(resolveTheme(undefined, {}).name).toBe('dark');
    expect(resolveTheme(undefined, { KUBEFWD_THEME: 'light' }).name).toBe('light');
    expect(resolveTheme('dark', { KUBEFWD_THEME: 'light' }).name).toBe('dark');
    const none = resolveTheme('light', { NO_COLOR: '1' });
    expect(none.name).toBe('none');
    expect(Object.entries(none).filter(([k, v]) => k !== 'name' && v !== undefined)).toEqual([]);
    expect(() => resolveTheme('solarized', {})).toThrow('invalid theme "solarized": expected dark or light');
  });

  it('uses no yellow or cyan foreground on light terminals', () => {
    const light = resolveTheme('light', {});
    for (const [k, v] of Object.entries(light))
      if (k !== 'selectedBg') expect(v).not.toMatch(/^(yellow|cyan)/);
  });
});

describe('keys', () => {
  it('splits a batch of characters into keys, Enter, Tab, Backspace and Escape included', () => {
    const keys = splitKeys('/a\r\t\x7f\x1b', noKey);
    expect(keys.map(([i]) => i)).toEqual(['/', 'a', '', '', '', '']);
    expect(keys.slice(2).map(([, k]) => [k.return, k.tab, k.backspace, k.escape])).toEqual([
      [true, false, false, false],
      [false, true, false, false],
      [false, false, true, false],
      [false, false, false, true],
    ]);
  });

  it('selects by wheel and click within the table only', () => {
    const view: UiView = {
      forwards: Array.from({ length: 50 }, (_, i) => forwardRow(`s${String(i).padStart(2, '0')}`)),
      tableHeight: 10,
      logsHeight: 5,
      logCount: 0,
    };
    const down = onMouse(INITIAL_UI, { kind: 'wheel-down', row: 0 }, view, 2);
    expect(down.selectedKey).toBe(view.forwards[3]?.key);
    const click = onMouse(down, { kind: 'click', row: 7 }, view, 2);
    expect(click.selectedKey).toBe(view.forwards[5]?.key);
    expect(onMouse(click, { kind: 'click', row: 30 }, view, 2)).toBe(click);
    expect(onMouse({ ...click, mode: 'help' }, { kind: 'click', row: 3 }, view, 2).mode).toBe('help');
  });

  it('turns q and Ctrl+C into quit, d into removing the selected service', () => {
    const view: UiView = { forwards: [forwardRow('web')], tableHeight: 10, logsHeight: 5, logCount: 0 };
    expect(onTableKey(INITIAL_UI, 'q', noKey, view)[1]).toEqual({ kind: 'quit' });
    expect(onTableKey(INITIAL_UI, 'c', { ...noKey, ctrl: true }, view)[1]).toEqual({ kind: 'quit' });
    expect(onTableKey(INITIAL_UI, 'd', noKey, view)[1]).toEqual({
      kind: 'remove',
      serviceKey: 'web.alpha.one',
    });
    expect(onTableKey({ ...INITIAL_UI, typing: true }, 'q', noKey, view)[0].filter).toBe('q');
  });
});
