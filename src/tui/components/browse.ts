import React, { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import { useRefState, useRoutedKeys } from '../keys.ts';
import type { TuiActions } from '../model.ts';
import { windowStart } from '../rows.ts';
import type { Theme } from '../theme.ts';

const h = React.createElement;

type Stage =
  | { kind: 'contexts' }
  | { kind: 'namespaces'; context: string }
  | { kind: 'services'; context: string; namespace: string };

interface Item {
  label: string;
  marked: boolean;
  pick(): void;
}

export const FORWARD_ALL = '» Forward all services';

export interface BrowseProps {
  actions: TuiActions;
  context: string;
  theme: Theme;
  height: number;
  onClose(): void;
}

/** `f`: the context's namespaces (forwarded ones marked) → forward all or one service; `x` lists the contexts. */
export function BrowseView(p: BrowseProps): React.ReactElement {
  const [stage, setStage, stageRef] = useRefState<Stage>({ kind: 'namespaces', context: p.context });
  const [items, setItems, itemsRef] = useRefState<Item[] | undefined>(undefined);
  const [error, setError] = useState<string>();
  const [selected, setSelected, selectedRef] = useRefState(0);
  const [start, setStart] = useRefState(0);

  useEffect(() => {
    let live = true;
    setItems(undefined);
    setError(undefined);
    setSelected(0);
    setStart(0);
    const load = async (): Promise<Item[]> => {
      if (stage.kind === 'contexts') {
        const list = await p.actions.contexts();
        return list.map((c) => ({
          label: c.name,
          marked: c.active,
          pick: () => setStage({ kind: 'namespaces', context: c.name }),
        }));
      }
      if (stage.kind === 'namespaces') {
        const list = await p.actions.namespaces(stage.context);
        return list.map((n) => ({
          label: n.name,
          marked: n.forwarded,
          pick: () => setStage({ kind: 'services', context: stage.context, namespace: n.name }),
        }));
      }
      const list = await p.actions.services(stage.namespace, stage.context);
      const done = (): void => p.onClose();
      return [
        {
          label: FORWARD_ALL,
          marked: false,
          pick: () => void p.actions.addNamespace(stage.namespace, stage.context).then(done),
        },
        ...list.map((s) => ({
          label: s.name,
          marked: s.forwarded,
          pick: () => void p.actions.addService(stage.namespace, s.name, stage.context).then(done),
        })),
      ];
    };
    load().then(
      (list) => live && setItems(list),
      (err: unknown) => live && setError((err as Error).message),
    );
    return () => {
      live = false;
    };
  }, [stage, p.actions]);

  const height = Math.max(1, p.height - 3);
  const select = (i: number): void => {
    const count = itemsRef.current?.length ?? 0;
    const next = Math.max(0, Math.min(count - 1, i));
    setSelected(next);
    setStart((s) => windowStart(next, s, height, count));
  };
  useRoutedKeys((input, key) => {
    const now = stageRef.current;
    if (key.escape || input === 'q') {
      if (now.kind === 'services') return setStage({ kind: 'namespaces', context: now.context });
      return p.onClose();
    }
    if (input === 'x') return setStage({ kind: 'contexts' });
    if (input === 'j' || key.downArrow) return select(selectedRef.current + 1);
    if (input === 'k' || key.upArrow) return select(selectedRef.current - 1);
    if (input === 'g' || key.home) return select(0);
    if (input === 'G' || key.end) return select(Number.MAX_SAFE_INTEGER);
    if (key.return) itemsRef.current?.[selectedRef.current]?.pick();
    return undefined;
  });

  const title =
    stage.kind === 'contexts'
      ? 'Contexts'
      : stage.kind === 'namespaces'
        ? `Namespaces of ${stage.context} (● forwarded)`
        : `Services of ${stage.namespace} (${stage.context})`;
  return h(
    Box,
    { flexDirection: 'column', height: p.height },
    h(Text, { bold: true, color: p.theme.accent }, `Browse: ${title}`),
    h(Text, { color: p.theme.dim }, 'Enter select, x contexts, Esc back'),
    error ? h(Text, { color: p.theme.error }, error) : null,
    !items && !error ? h(Text, { color: p.theme.dim }, 'loading…') : null,
    ...(items ?? [])
      .slice(start, start + height)
      .map((it, i) =>
        h(
          Text,
          { key: it.label, inverse: start + i === selected, wrap: 'truncate' },
          `${it.marked ? '● ' : '  '}${it.label}`,
        ),
      ),
  );
}
