import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Copies text; resolves with the tool used, rejects when none is installed or it fails. */
export type Copy = (text: string) => Promise<string>;

const TOOLS: Array<{ bin: string; args: string[]; when?: (env: NodeJS.ProcessEnv) => boolean }> = [
  // Wayland first: xclip under XWayland often "succeeds" without reaching Wayland apps.
  { bin: 'wl-copy', args: [], when: (env) => Boolean(env.WAYLAND_DISPLAY) },
  { bin: 'pbcopy', args: [] },
  { bin: 'xclip', args: ['-selection', 'clipboard'], when: (env) => Boolean(env.DISPLAY) },
  { bin: 'xsel', args: ['--clipboard', '--input'], when: (env) => Boolean(env.DISPLAY) },
];

function onPath(bin: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, bin);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function createClipboard(env: NodeJS.ProcessEnv): Copy {
  return (text) => {
    const tool = TOOLS.find((t) => (t.when?.(env) ?? true) && onPath(t.bin, env));
    if (!tool) return Promise.reject(new Error('no clipboard tool found (wl-copy, pbcopy, xclip or xsel)'));
    return new Promise((resolve, reject) => {
      const child = spawn(tool.bin, tool.args, { stdio: ['pipe', 'ignore', 'ignore'], env });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(tool.bin) : reject(new Error(`${tool.bin} exited with ${code}`)),
      );
      child.stdin.end(text);
    });
  };
}
