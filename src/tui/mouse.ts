export interface MouseEvent {
  kind: 'wheel-up' | 'wheel-down' | 'click';
  /** 0-based screen row and column. */
  row: number;
  column: number;
}

export type MouseSource = (listener: (event: MouseEvent) => void) => () => void;

// SGR mouse reports (ESC [ < button ; column ; row M|m), asked for with modes 1000 (clicks, wheel) and 1006.
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[<(\d+);(\d+);(\d+)([Mm])/g;
export const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
export const MOUSE_OFF = '\x1b[?1000l\x1b[?1006l';

interface Readable {
  read(size?: number): unknown;
}

/**
 * Takes mouse reports out of the terminal's input before Ink reads it (Ink drops them) and hands them to listeners.
 * Ink reads stdin with `read()`, so that is where they are taken out; `stop()` puts the stream back as it was.
 */
export function captureMouse(stdin: Readable): { source: MouseSource; stop(): void } {
  const listeners = new Set<(event: MouseEvent) => void>();
  const own = Object.getOwnPropertyDescriptor(stdin, 'read');
  const read = stdin.read.bind(stdin);
  stdin.read = (size?: number): unknown => {
    const chunk = read(size);
    if (chunk === null || chunk === undefined) return chunk;
    const text =
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
    if (text === undefined || !text.includes('\x1b[<')) return chunk;
    return text.replace(SGR, (_all, button: string, column: string, row: string, end: string) => {
      const b = Number(button);
      const kind =
        b === 64 ? 'wheel-up' : b === 65 ? 'wheel-down' : b === 0 && end === 'M' ? 'click' : undefined;
      if (kind) for (const l of listeners) l({ kind, row: Number(row) - 1, column: Number(column) - 1 });
      return '';
    });
  };
  return {
    source: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      if (own) Object.defineProperty(stdin, 'read', own);
      else delete (stdin as Partial<Readable>).read;
      listeners.clear();
    },
  };
}
