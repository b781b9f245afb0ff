import { Writable } from 'node:stream';
import type { Daemon } from '../daemon/daemon.ts';

/** How far the start has come: what the progress line shows. */
export interface StartProgress {
  contexts: number;
  /** Namespaces whose services and pods were listed, of those asked for (unknown with --all-namespaces). */
  namespaces: { listed: number; total: number | undefined };
  /** Services with their listeners and names, of those the listed namespaces hold (less the skipped ones). */
  services: { forwarded: number; total: number };
}

export function formatProgress(p: StartProgress): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `starting: ${plural(p.contexts, 'context')}, namespaces listed ${p.namespaces.listed}/${p.namespaces.total ?? '?'}, services forwarded ${p.services.forwarded}/${p.services.total}`;
}

/**
 * Reads the progress off a starting daemon (nothing listed before its engine exists). `asked`: the contexts and the
 * namespaces per context on the command line (namespaces undefined with --all-namespaces: not known before listing).
 */
export function daemonProgress(
  daemon: Daemon,
  asked: { contexts: number; namespaces: number | undefined },
): StartProgress {
  const e = daemon.engine;
  const entries = e?.namespaces.list() ?? [];
  const listed = entries.filter((entry) => entry.watch.state().synced);
  const inListed = listed.reduce((sum, entry) => sum + entry.watch.services().length, 0);
  const skipped = e?.registry.skipped().length ?? 0;
  return {
    contexts: asked.contexts,
    namespaces: {
      listed: listed.length,
      total: asked.namespaces === undefined ? undefined : asked.namespaces * asked.contexts,
    },
    services: { forwarded: e?.registry.list().length ?? 0, total: Math.max(inListed - skipped, 0) },
  };
}

const CLEAR = '\r\x1b[2K';

export interface ProgressLine {
  /** Where log records go meanwhile: each one clears the line, is written, and the line is drawn again below it. */
  logStream: Writable;
  start(): void;
  /** Clears the line for what comes next (the summary table). Idempotent. */
  stop(): void;
}

/** One terminal line rewritten in place every `intervalMs` while the daemon starts. */
export function createProgressLine(
  out: NodeJS.WritableStream,
  read: () => StartProgress,
  intervalMs = 100,
): ProgressLine {
  let shown = '';
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    const text = formatProgress(read());
    if (text === shown) return;
    out.write(`${CLEAR}${text}`);
    shown = text;
  };
  return {
    logStream: new Writable({
      decodeStrings: false,
      write(chunk: string | Buffer, _encoding, callback) {
        out.write(shown ? `${CLEAR}${String(chunk)}${shown}` : chunk);
        callback();
      },
    }),
    start() {
      draw();
      timer = setInterval(draw, intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      if (shown) out.write(CLEAR);
      shown = '';
    },
  };
}
