import { useEffect, useState } from 'react';

/** Polls `load` every `ms` while mounted; keeps the last answer. */
export function usePolled<T>(
  load: () => Promise<T>,
  ms: number,
  deps: unknown[],
): [T | undefined, string | undefined] {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      load()
        .then((v) => live && (setValue(v), setError(undefined)))
        .catch((e: unknown) => live && setError((e as Error).message))
        .finally(() => {
          if (live) timer = setTimeout(tick, ms);
        });
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, deps);
  return [value, error];
}
