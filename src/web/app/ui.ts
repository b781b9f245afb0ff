import type { KubefwdClient } from '../../client/index.ts';
import { announce, h, type Child } from './dom.ts';
import type { Live } from './live.ts';
import { control, type Session } from './session.ts';

/** What every view is given. */
export interface ViewContext {
  session: Session;
  client: KubefwdClient;
  live: Live;
  version: string;
  navigate(hash: string): void;
}

/** A mounted view: its element, and what to undo when the view goes. */
export interface View {
  element: HTMLElement;
  destroy?(): void;
}

export const heading = (text: string): HTMLElement => h('h1', { id: 'view-title', tabindex: '-1' }, text);

export const statusBadge = (status: string): HTMLElement =>
  h('span', { class: `badge badge-${status}` }, status);

/** Shows the outcome of an action in place (and to screen readers). */
export function messageLine(): { element: HTMLElement; show: (text: string, kind: 'ok' | 'error') => void } {
  const element = h('p', { class: 'message', role: 'status' });
  return {
    element,
    show: (text, kind) => {
      element.textContent = text;
      element.className = `message message-${kind}`;
      announce(text);
    },
  };
}

/**
 * A button that changes state: disabled, with the reason as its description, when the key may only read; a
 * FORBIDDEN answer disables it (and every other control) with the daemon's reason.
 */
export function controlButton(
  ctx: ViewContext,
  label: string,
  action: () => Promise<unknown>,
  report: (text: string, kind: 'ok' | 'error') => void,
  done = `${label}: done`,
  attrs: Record<string, string> = {},
): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'control', ...attrs }, label);
  const sync = (): void => {
    const reason = ctx.session.readOnly;
    button.disabled = reason !== undefined;
    if (reason) button.title = reason;
    else button.removeAttribute('title');
  };
  sync();
  ctx.session.onChange(sync);
  button.addEventListener('click', () => {
    button.disabled = true;
    void control(ctx.session, action).then((error) => {
      sync();
      report(error ?? done, error ? 'error' : 'ok');
    });
  });
  return button;
}

/** Polls `load` every `ms` while the view is mounted; returns the stopper. */
export function every(ms: number, load: () => Promise<void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async (): Promise<void> => {
    try {
      await load();
    } catch {
      // Each view shows its own load errors; the poll goes on.
    } finally {
      if (!stopped) timer = setTimeout(() => void tick(), ms);
    }
  };
  void tick();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A `table.grid` with a caption and one header row of column names. */
export const gridTable = (
  id: string,
  caption: string,
  columns: readonly string[],
  body: HTMLTableSectionElement | Child[],
): HTMLTableElement =>
  h(
    'table',
    { class: 'grid', id },
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        columns.map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    body instanceof HTMLElement ? body : h('tbody', null, body),
  );
