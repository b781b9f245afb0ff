import React from 'react';
import { render } from 'ink';
import { App } from './app.ts';
import type { Copy } from './clipboard.ts';
import type { TuiStore } from './model.ts';
import { MOUSE_OFF, MOUSE_ON, captureMouse } from './mouse.ts';
import type { Theme } from './theme.ts';

export interface TerminalIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

export interface RunTuiOptions extends TerminalIo {
  store: TuiStore;
  theme: Theme;
  copy: Copy;
  attachedTo?: string | undefined;
  /** Aborting it (SIGTERM, SIGINT) closes the UI as `q` does. */
  signal: AbortSignal;
  onRender?: (metrics: { renderTime: number }) => void;
}

/** How the UI renders (the frame-time benchmark renders with the same). */
export const INK_OPTIONS = {
  // Ink's Ctrl+C handler would exit the app without our shutdown; the app maps Ctrl+C to quit itself.
  exitOnCtrlC: false,
  patchConsole: false,
  // Interactive even where CI=true is set: the output is a real terminal (checked before).
  interactive: true,
  // Only changed lines are written: with rates ticking, most of a frame is unchanged.
  incrementalRendering: true,
  // Data frames are coalesced by the store (4 a second); this caps frames from keys held down.
  maxFps: 30,
} as const;

// Leave the alternate screen, show the cursor, stop mouse reports: what a crash must undo too.
export const RESTORE_TERMINAL = `${MOUSE_OFF}\x1b[?25h\x1b[?1049l`;

/** Whether a full-screen UI can run here; the reason when not. */
export function terminalProblem(io: TerminalIo): string | undefined {
  if (!io.stdin.isTTY || typeof io.stdin.setRawMode !== 'function') return 'standard input is not a terminal';
  if (!io.stdout.isTTY) return 'standard output is not a terminal';
  return undefined;
}

/**
 * Runs the UI in the alternate screen until the user quits or `signal` aborts; the terminal is restored on every
 * way out (quit, signal, a throw while rendering, process exit).
 */
export async function runTui(o: RunTuiOptions): Promise<void> {
  let restored = false;
  let lost = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    if (lost) return;
    if (o.stdin.isTTY) o.stdin.setRawMode(false);
    o.stdout.write(RESTORE_TERMINAL);
  };
  // A crash or an exit() that skips React's unmount still leaves a usable terminal.
  process.once('exit', restore);
  let quit!: () => void;
  const quitted = new Promise<void>((resolve) => (quit = resolve));
  const mouse = captureMouse(o.stdin);
  const instance = render(
    React.createElement(App, {
      store: o.store,
      theme: o.theme,
      copy: o.copy,
      attachedTo: o.attachedTo,
      onQuit: quit,
      mouse: mouse.source,
    }),
    {
      stdin: o.stdin,
      stdout: o.stdout,
      stderr: o.stdout,
      ...INK_OPTIONS,
      alternateScreen: true,
      ...(o.onRender ? { onRender: o.onRender } : {}),
    },
  );
  o.stdout.write(MOUSE_ON);
  const onAbort = (): void => quit();
  o.signal.addEventListener('abort', onAbort, { once: true });
  // A closed terminal (EIO, EPIPE) ends the UI like `q`, so the daemon behind it still shuts down in order. The
  // listener stays: late frames to a dead terminal must not become an uncaught error.
  const onLost = (): void => {
    lost = true;
    quit();
  };
  o.stdout.on('error', onLost);
  o.stdin.on('error', onLost);
  o.stdin.once('end', onLost);
  try {
    await Promise.race([quitted, instance.waitUntilExit()]);
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    restore();
    mouse.stop();
    process.removeListener('exit', restore);
    o.stdin.removeListener('end', onLost);
  }
}
