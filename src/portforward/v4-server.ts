import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.ts';
import { kubeletErrorText, type PodPortDialer } from './pod-pipe.ts';
import { OP, type WebSocketConnection } from './websocket.ts';

export interface V4ServeOptions {
  uid: string;
  dialer: PodPortDialer;
  ports: number[];
  /** `v4.base64.channel.k8s.io`: text messages, ASCII channel digit, base64 payload. */
  base64: boolean;
  log?: Logger | undefined;
}

/**
 * The kubelet's legacy WebSocket port-forward: for the i-th port, channel 2i carries data and 2i+1 errors, each
 * announced by the port in 2 little-endian bytes; one pod connection per port, and when any ends the WebSocket
 * closes (the protocol has no half-close).
 */
export function serveV4PortForward(ws: WebSocketConnection, options: V4ServeOptions): void {
  const pods: Array<Duplex | undefined> = [];
  const queued: Buffer[][] = options.ports.map(() => []);

  const send = (channel: number, payload: Buffer): boolean => {
    if (options.base64)
      return ws.send(Buffer.from(String.fromCharCode(48 + channel) + payload.toString('base64')), OP.TEXT);
    return ws.sendv([Buffer.from([channel]), payload]);
  };

  ws.on('message', (msg: Buffer) => {
    const channel = options.base64 ? (msg[0] ?? 0) - 48 : (msg[0] ?? 255);
    // Only data channels are writable; the kubelet ignores anything else.
    if (channel < 0 || channel % 2 !== 0 || channel / 2 >= options.ports.length || msg.length <= 1) return;
    const body = options.base64 ? Buffer.from(msg.toString('latin1', 1), 'base64') : msg.subarray(1);
    const index = channel / 2;
    const pod = pods[index];
    if (!pod) {
      // The pod connection is still being dialled: hold this message and read nothing more until it is up.
      queued[index]?.push(body);
      ws.socket.pause();
      return;
    }
    if (!pod.write(body)) {
      ws.socket.pause();
      pod.once('drain', () => ws.socket.resume());
    }
  });
  ws.once('close', () => pods.forEach((p) => p?.destroy()));
  ws.start();

  options.ports.forEach((port, i) => {
    const prefix = Buffer.from([port & 0xff, port >> 8]);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    options.dialer.dial(port).then(
      (pod) => {
        if (ws.closed) {
          pod.destroy();
          return;
        }
        pods[i] = pod;
        for (const body of queued[i]?.splice(0) ?? []) pod.write(body);
        ws.socket.resume();
        pod.on('data', (chunk: Buffer) => {
          if (!send(2 * i, chunk)) {
            pod.pause();
            ws.socket.once('drain', () => pod.resume());
          }
        });
        pod.once('end', () => ws.close(1000));
        pod.once('error', () => ws.close(1000));
        pod.once('close', () => ws.close(1000));
      },
      (err: unknown) => {
        const text = kubeletErrorText(err, port, options.uid);
        options.log?.debug({ port, err: text }, 'port-forward dial failed');
        send(2 * i + 1, Buffer.from(text));
        ws.close(1000);
      },
    );
  });
}
