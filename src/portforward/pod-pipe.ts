import type { Duplex } from 'node:stream';

export interface PodPortDialer {
  /** Connects to a port of the pod; rejects with an Error whose message is the kubelet's error text. */
  dial(port: number): Promise<Duplex>;
}

/** The kubelet's wording (`error forwarding port %d to pod %s, uid %v: %v`) for a dialer error that lacks it. */
export function kubeletErrorText(err: unknown, port: number, uid: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return /^error forwarding port /.test(message)
    ? message
    : `error forwarding port ${port} to pod ${uid}, uid : ${message}`;
}

/**
 * Splices a client stream and a pod connection both ways with backpressure (pipe) and half-close: each side's end
 * ends the other's writable side only. `abort` is called once when either side fails or the client goes away early.
 */
export function splice(client: Duplex, pod: Duplex, abort: (reason: 'client' | 'pod') => void): void {
  let done = false;
  const once = (reason: 'client' | 'pod'): void => {
    if (done) return;
    done = true;
    abort(reason);
  };
  pod.on('error', () => once('pod'));
  client.on('error', () => once('client'));
  client.once('close', () => {
    if (!pod.destroyed && !pod.writableEnded) once('client');
  });
  pod.once('close', () => {
    if (!client.destroyed && !client.writableEnded) once('pod');
  });
  pod.pipe(client);
  client.pipe(pod);
}
