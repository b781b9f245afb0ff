import { h } from '../dom.ts';
import type { Service } from '../live.ts';
import { controlButton, type ViewContext } from '../ui.ts';

/** Requests in flight at once for a bulk action: enough to be quick, few enough not to crowd the daemon. */
const PARALLEL = 8;

export interface Selection {
  /** The header cell: a checkbox that selects (or clears) every row the filter shows. */
  header: HTMLTableCellElement;
  /** A row's cell: its checkbox. */
  cell(key: string): HTMLTableCellElement;
  /** The bulk actions and how many rows they act on. */
  toolbar: HTMLElement;
  /** Keeps only rows the filter shows selected (an action never reaches a row out of sight) and syncs the header. */
  sync(shown: readonly Service[]): void;
}

async function eachKey(keys: string[], run: (key: string) => Promise<unknown>): Promise<string[]> {
  const failed: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await run(key).catch((err: unknown) =>
        failed.push(`${key}: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, keys.length) }, worker));
  return failed;
}

/** Row selection for the services table, and the reconnect / remove actions on the selected rows. */
export function createSelection(
  ctx: ViewContext,
  report: (text: string, kind: 'ok' | 'error') => void,
  repaint: () => void,
): Selection {
  const { client } = ctx;
  const selected = new Set<string>();
  let shown: readonly Service[] = [];
  const all = h('input', {
    type: 'checkbox',
    id: 'svc-select-all',
    'aria-label': 'Select every service shown',
  });
  const count = h('span', { id: 'svc-selected', class: 'help' }, '0 selected');

  const syncHeader = (): void => {
    const n = shown.filter((s) => selected.has(s.key)).length;
    all.checked = n > 0 && n === shown.length;
    all.indeterminate = n > 0 && n < shown.length;
    count.textContent = `${selected.size} selected`;
  };
  all.addEventListener('change', () => {
    const every = shown.length > 0 && shown.every((s) => selected.has(s.key));
    for (const s of shown) {
      if (every) selected.delete(s.key);
      else selected.add(s.key);
    }
    syncHeader();
    repaint();
  });

  const bulk = (
    label: string,
    verb: string,
    run: (key: string) => Promise<unknown>,
    id: string,
  ): HTMLElement => {
    let outcome: { keys: number; failed: string[] } | undefined;
    return controlButton(
      ctx,
      label,
      async () => {
        outcome = undefined;
        const keys = [...selected];
        if (!keys.length) return;
        outcome = { keys: keys.length, failed: await eachKey(keys, run) };
      },
      (text, kind) => {
        if (kind === 'error' || !outcome)
          return report(kind === 'error' ? text : 'Select services first.', 'error');
        const { keys, failed } = outcome;
        if (!failed.length) return report(`${verb} ${keys} service${keys === 1 ? '' : 's'}`, 'ok');
        report(`${verb} ${keys - failed.length} of ${keys}; ${failed.join('; ')}`, 'error');
      },
      '',
      { id },
    );
  };

  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'group', 'aria-label': 'Selected services' },
    count,
    bulk(
      'Reconnect selected',
      'Reconnect triggered for',
      (key) =>
        client.call(client.api.POST('/api/v1/services/{key}/reconnect', { params: { path: { key } } })),
      'bulk-reconnect',
    ),
    bulk(
      'Remove selected',
      'Removed',
      async (key) => {
        await client.call(client.api.DELETE('/api/v1/services/{key}', { params: { path: { key } } }));
        selected.delete(key);
        ctx.live.refresh();
      },
      'bulk-remove',
    ),
  );

  return {
    header: h('th', { scope: 'col', class: 'select' }, all),
    cell(key) {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${key}`, checked: selected.has(key) });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(key);
        else selected.delete(key);
        syncHeader();
      });
      return h('td', { class: 'select' }, box);
    },
    toolbar,
    sync(rows) {
      shown = rows;
      const visible = new Set(rows.map((s) => s.key));
      for (const key of selected) if (!visible.has(key)) selected.delete(key);
      syncHeader();
    },
  };
}
