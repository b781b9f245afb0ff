import type { Logger } from '../log/logger.ts';
import { kubeletErrorText, splice, type PodPortDialer } from './pod-pipe.ts';
import { RST } from './spdy/frames.ts';
import type { SpdySession, SpdyStream } from './spdy/session.ts';

export interface SpdyServeOptions {
  uid: string;
  dialer: PodPortDialer;
  /** A stream whose partner does not arrive within this bound is reset (the kubelet's streamCreationTimeout). */
  streamCreationTimeoutMs: number;
  log?: Logger | undefined;
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  port: number;
  timer: NodeJS.Timeout;
}

/**
 * Serves port-forward on a server-role SPDY session as the kubelet does: streams pair up by requestID (or, for
 * clients that send none, by stream id), each pair dials the pod port and is spliced to it; a failed dial writes the
 * error text on the pair's error stream and resets its data stream, leaving the session and other pairs alone.
 */
export function serveSpdyPortForward(session: SpdySession, options: SpdyServeOptions): void {
  const pairs = new Map<string, Pair>();
  void session.closed.then(() => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });
  session.on('stream', (stream: SpdyStream, headers: Record<string, string>) => {
    const type = headers.streamtype;
    const port = Number(headers.port);
    if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || port <= 0 || port > 65535) {
      stream.reset(RST.PROTOCOL_ERROR);
      return;
    }
    stream.on('error', () => undefined);
    // The kubelet's guess for legacy clients: the error stream is opened right before its data stream.
    const id = headers.requestid ?? String(type === 'data' ? stream.id - 2 : stream.id);
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(id);
        pair?.data?.reset(RST.CANCEL);
        pair?.error?.reset(RST.CANCEL);
      }, options.streamCreationTimeoutMs);
      timer.unref();
      pair = { port, timer };
      pairs.set(id, pair);
    }
    pair[type] = stream;
    // Nothing is read from the error stream; keep it flowing so its FIN is seen.
    if (type === 'error') stream.resume();
    if (!pair.data || !pair.error) return;
    pairs.delete(id);
    clearTimeout(pair.timer);
    void forward(pair.data, pair.error, port, options);
  });
}

async function forward(
  data: SpdyStream,
  error: SpdyStream,
  port: number,
  options: SpdyServeOptions,
): Promise<void> {
  let pod;
  try {
    pod = await options.dialer.dial(port);
  } catch (err) {
    const text = kubeletErrorText(err, port, options.uid);
    options.log?.debug({ port, err: text }, 'port-forward dial failed');
    error.end(text);
    data.reset(RST.CANCEL);
    return;
  }
  if (data.destroyed) {
    pod.destroy();
    error.end();
    return;
  }
  data.once('close', () => error.end());
  splice(data, pod, (reason) => {
    if (reason === 'pod') data.reset(RST.CANCEL);
    pod.destroy();
  });
}
