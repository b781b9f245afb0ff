import net from 'node:net';
import { once } from 'node:events';
import { KubefwdError } from '../errors.ts';

export interface ConnectionTap {
  client(chunk: Buffer): void;
  server(chunk: Buffer): void;
  end(): void;
}

export interface Counters {
  bytesIn: number;
  bytesOut: number;
  connectionsActive: number;
  connectionsTotal: number;
  lastActive: number | undefined;
}

/** A loopback listener on (IP, port); `onConnection` takes each accepted socket. Bound before names are written. */
export function createPortListener(options: {
  ip: string;
  port: number;
  onConnection: (socket: net.Socket) => void;
}) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    options.onConnection(socket);
  });
  let listening = false;
  return {
    async start(): Promise<void> {
      server.listen({ host: options.ip, port: options.port, exclusive: true });
      try {
        await Promise.race([
          once(server, 'listening'),
          once(server, 'error').then(([err]) => Promise.reject(err as Error)),
        ]);
        listening = true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new KubefwdError('PORT_IN_USE', `${options.ip}:${options.port} is already in use`, {
            cause: err,
          });
        if (code === 'EACCES')
          throw new KubefwdError(
            'PORT_IN_USE',
            `no permission to listen on ${options.ip}:${options.port} (ports below 1024 need root)`,
            { cause: err },
          );
        throw new KubefwdError(
          'INTERNAL_ERROR',
          `cannot listen on ${options.ip}:${options.port}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    },
    get listening(): boolean {
      return listening;
    },
    get connections(): number {
      return sockets.size;
    },
    /** Stops accepting; live connections get `graceMs` to finish, then are destroyed. */
    async close(graceMs = 1000): Promise<void> {
      if (!listening) return;
      listening = false;
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.end();
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

export type PortListener = ReturnType<typeof createPortListener>;
