import { createContext, useContext, useLayoutEffect, useRef, useState } from 'react';
import { useInput, type Key } from 'ink';

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/**
 * Ink hands several plain characters read at once (typed fast, pasted, sent by tmux) to useInput as one string;
 * this splits them back into one key each, Enter, Tab, Backspace and Escape included.
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  if (input.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return [...input].map((c): [string, Key] => {
    if (c === '\r' || c === '\n') return ['', { ...NO_KEY, return: true }];
    if (c === '\t') return ['', { ...NO_KEY, tab: true }];
    if (c === '\x7f' || c === '\b') return ['', { ...NO_KEY, backspace: true }];
    if (c === '\x1b') return ['', { ...NO_KEY, escape: true }];
    return [c, { ...NO_KEY, shift: c !== c.toLowerCase() }];
  });
}

/** useInput, one call per key (see splitKeys). */
export function useKeys(handler: (input: string, key: Key) => void, isActive = true): void {
  useInput(
    (input, key) => {
      for (const [i, k] of splitKeys(input, key)) handler(i, k);
    },
    { isActive },
  );
}

/**
 * State whose latest value key handlers read through `ref`: keys of one batch run before React re-renders, so each
 * must see what the previous one set.
 */
export function useRefState<T>(initial: T): [T, (next: T | ((previous: T) => T)) => void, { current: T }] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = (next: T | ((previous: T) => T)): void => {
    ref.current = typeof next === 'function' ? (next as (p: T) => T)(ref.current) : next;
    setValue(ref.current);
  };
  return [value, set, ref];
}

type KeyHandler = (input: string, key: Key) => void;

/**
 * One listener for the whole screen. Views opened over the table (detail, browse, help) take keys through this
 * router instead of a useInput of their own: a listener attached by a view's effect misses the keys that arrive
 * between the frame that shows it and the effect, and so would a fast typist or a script.
 */
export interface KeyRouter {
  current: KeyHandler | undefined;
  /** Keys for a view that is opening, delivered once it has rendered. */
  pending: Array<[string, Key]>;
}

export const KeyRouterContext = createContext<KeyRouter>({ current: undefined, pending: [] });

export function routeKey(router: KeyRouter, input: string, key: Key): void {
  if (router.current) router.current(input, key);
  else router.pending.push([input, key]);
}

/** Takes the router's keys while the calling view is mounted. */
export function useRoutedKeys(handler: KeyHandler): void {
  const router = useContext(KeyRouterContext);
  router.current = handler;
  useLayoutEffect(() => {
    for (const [input, key] of router.pending.splice(0)) router.current?.(input, key);
  });
  useLayoutEffect(
    () => () => {
      router.current = undefined;
      router.pending.length = 0;
    },
    [router],
  );
}
