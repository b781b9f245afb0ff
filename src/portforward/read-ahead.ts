import type { Readable } from 'node:stream';

/**
 * Turns off Readable's read-ahead for `stream`, whose data is pushed to it as it comes (a socket, a SPDY stream).
 * After every push() that leaves room in the buffer, Readable schedules a process.nextTick that calls read(0) until
 * the buffer is full (maybeReadMore). For such a stream that only asks its source for what read() asks for anyway
 * whenever a reader takes from the buffer (a socket restarts reading, a SPDY stream lets its session read on), so
 * the read-ahead was a nextTick per chunk for nothing: per 16 KiB TLS record and per DATA frame, 0.1-0.2 s per GB
 * downloaded in a CPU profile of the daemon. Readable schedules it only while its state's `readingMore` is false,
 * and only that function sets it back.
 */
export function noReadAhead(stream: Readable): void {
  (stream as unknown as { _readableState: { readingMore: boolean } })._readableState.readingMore = true;
}
