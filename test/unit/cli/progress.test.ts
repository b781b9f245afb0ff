import { describe, expect, it } from 'vitest';
import { createProgressLine, formatProgress, type StartProgress } from '../../../src/cli/progress.ts';

const CLEAR = '\r\x1b[2K';

function terminal(): { out: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const out = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
  return { out, text: () => text };
}

describe('the progress line', () => {
  it('says contexts, namespaces listed and services forwarded', () => {
    const p: StartProgress = {
      contexts: 2,
      namespaces: { listed: 1, total: 4 },
      services: { forwarded: 3, total: 7 },
    };
    expect(formatProgress(p)).toBe('starting: 2 contexts, namespaces listed 1/4, services forwarded 3/7');
    expect(formatProgress({ ...p, contexts: 1, namespaces: { listed: 0, total: undefined } })).toBe(
      'starting: 1 context, namespaces listed 0/?, services forwarded 3/7',
    );
  });

  it('keeps log records whole: each clears the line, is written, and the line comes back below it', async () => {
    const t = terminal();
    let forwarded = 0;
    const line = createProgressLine(
      t.out,
      () => ({ contexts: 1, namespaces: { listed: 1, total: 1 }, services: { forwarded, total: 2 } }),
      60_000,
    );
    line.logStream.write('before start\n');
    line.start();
    forwarded = 1;
    await new Promise<void>((resolve) => line.logStream.write('a record\n', () => resolve()));
    line.stop();
    line.stop();
    const shown = 'starting: 1 context, namespaces listed 1/1, services forwarded 0/2';
    expect(t.text()).toBe(`before start\n${CLEAR}${shown}${CLEAR}a record\n${shown}${CLEAR}`);
  });
});
