import { execFileSync, spawnSync } from 'node:child_process';
import { waitFor } from './wait-for.ts';

export const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface TmuxPane {
  /** The visible screen as text. */
  capture(): string;
  /** tmux key names (`Enter`, `Escape`, `Tab`, `q`). */
  keys(...keys: string[]): void;
  /** Literal text, typed as is. */
  type(text: string): void;
  /** A tmux format about the pane, e.g. `#{alternate_on}`. */
  display(format: string): string;
  /** Waits until the screen satisfies `pred`; fails with the screen. */
  until(pred: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  close(): void;
}

let sessions = 0;

/**
 * Runs `argv` in a real terminal: a detached tmux session of its own server (a private socket), `columns`×`rows`.
 * When the command ends, the pane prints `EXIT=<code>` and stays, so the restored screen can still be read.
 */
export function startInTmux(
  argv: string[],
  options: { env?: Record<string, string>; columns?: number; rows?: number } = {},
): TmuxPane {
  const socket = `kubefwd-test-${process.pid}-${++sessions}`;
  const tmux = (...args: string[]): string =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`);
  // `exec cat` keeps the pane open after the command without a timer; closing the session ends it.
  const script = `env ${env.join(' ')} ${argv.map(quote).join(' ')}; echo "EXIT=$?"; exec cat`;
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    'tui',
    '-x',
    String(options.columns ?? 120),
    '-y',
    String(options.rows ?? 40),
    script,
  );
  const pane = {
    capture: () => tmux('capture-pane', '-p', '-t', 'tui'),
    keys: (...keys: string[]) => void tmux('send-keys', '-t', 'tui', ...keys),
    type: (text: string) => void tmux('send-keys', '-t', 'tui', '-l', text),
    display: (format: string) => tmux('display-message', '-p', '-t', 'tui', format).trim(),
    until: (pred: (screen: string) => boolean, what: string, timeoutMs = 20_000) =>
      waitFor(
        () => {
          const screen = pane.capture();
          return pred(screen) ? screen : undefined;
        },
        { timeoutMs, intervalMs: 50, message: () => `${what}; screen:\n${pane.capture()}` },
      ),
    close() {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
    },
  };
  return pane;
}
