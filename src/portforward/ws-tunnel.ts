import { Duplex } from 'node:stream';
import type { WebSocketConnection } from './websocket.ts';

/**
 * The tunnel of KEP-4006: the WebSocket is a byte pipe, every write one binary message, boundaries meaningless.
 */
export function tunnelDuplex(ws: WebSocketConnection): Duplex {
  let waiting: (() => void) | undefined;
  const duplex = new Duplex({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (ws.closed) return cb(new Error('WebSocket closed'));
      if (ws.sendBytes([chunk])) cb();
      else ws.socket.once('drain', () => cb());
    },
    writev(chunks: Array<{ chunk: Buffer }>, cb) {
      if (ws.closed) return cb(new Error('WebSocket closed'));
      if (ws.sendBytes(chunks.map((c) => c.chunk))) cb();
      else ws.socket.once('drain', () => cb());
    },
    final(cb) {
      ws.close(1000);
      cb();
    },
    read() {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w();
      }
    },
    destroy(err, cb) {
      ws.socket.destroy();
      cb(err);
    },
  });
  const deliver = (data: Buffer): void => {
    if (!duplex.push(data)) {
      ws.socket.pause();
      waiting = () => ws.socket.resume();
    }
  };
  ws.on('piece', deliver);
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (!binary) {
      duplex.destroy(new Error('invalid message type received'));
      return;
    }
    deliver(data);
  });
  ws.on('close', () => {
    duplex.push(null);
    if (!duplex.writableFinished) duplex.destroy();
  });
  ws.start();
  return duplex;
}
