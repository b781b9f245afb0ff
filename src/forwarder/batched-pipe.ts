import type { Readable, Writable } from 'node:stream';

/**
 * Copies `from` into `to` like `pipe()` without ever ending `to`, but writes all that `from` delivers within one tick
 * as one `writev`: one read from the API server's TLS socket yields several 16 KiB records' worth of chunks, which
 * `pipe()` wrote with a system call each. Backpressure as `pipe()`: `from` pauses while `to` wants a drain. Returns a
 * function that stops the copying.
 */
export function pipeBatched(from: Readable, to: Writable): () => void {
  let corked = false;
  const resume = (): void => {
    from.resume();
  };
  const flush = (): void => {
    corked = false;
    to.uncork();
    if (to.writableNeedDrain && !to.destroyed) {
      from.pause();
      to.once('drain', resume);
    }
  };
  const onData = (chunk: Buffer): void => {
    if (to.destroyed) return;
    if (!corked) {
      corked = true;
      to.cork();
      process.nextTick(flush);
    }
    to.write(chunk);
  };
  from.on('data', onData);
  return () => {
    from.off('data', onData);
    to.off('drain', resume);
  };
}
