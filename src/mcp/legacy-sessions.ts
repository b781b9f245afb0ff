import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport, type McpServer } from '@modelcontextprotocol/server';

/**
 * Sessions for 2025-era clients over `/mcp`. The SDK serves that era per request by default, which cannot deliver
 * `resources/updated` or `list_changed`: an instance (and its subscriptions) lives only for one POST. Here an
 * `initialize` opens a session (`Mcp-Session-Id`) whose server lives until the client deletes it, goes idle, or the
 * daemon stops, so its standalone SSE stream carries the notifications. A session is bound to the key that opened it.
 */
export interface LegacySessions {
  fetch(request: Request, key: string | undefined): Promise<Response>;
  readonly size: number;
  close(): Promise<void>;
}

export interface LegacySessionOptions {
  /** Builds the server of a new session (the caller attaches notifications to it). */
  create(key: string | undefined): McpServer;
  /** A session nobody used for this long is closed. */
  idleMs?: number;
  /** At most this many sessions: the least recently used goes first. */
  max?: number;
  now?: () => number;
}

interface Session {
  key: string | undefined;
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastUsed: number;
}

const jsonRpcError = (status: number, message: string): Response =>
  new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

export function createLegacySessions(options: LegacySessionOptions): LegacySessions {
  const sessions = new Map<string, Session>();
  const now = options.now ?? Date.now;
  const idleMs = options.idleMs ?? 30 * 60_000;
  const max = options.max ?? 64;

  const drop = (id: string): void => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    void s.server.close().catch(() => undefined);
  };
  const sweep = setInterval(
    () => {
      for (const [id, s] of sessions) if (now() - s.lastUsed > idleMs) drop(id);
    },
    Math.min(idleMs, 60_000),
  );
  sweep.unref();

  return {
    async fetch(request, key) {
      const id = request.headers.get('mcp-session-id');
      if (id) {
        const s = sessions.get(id);
        if (!s) return jsonRpcError(404, 'Session not found: initialize a new one');
        if (s.key !== key) return jsonRpcError(403, 'This session belongs to another API key');
        s.lastUsed = now();
        return s.transport.handleRequest(request);
      }
      if (request.method !== 'POST') return jsonRpcError(400, 'Mcp-Session-Id header required');
      if (sessions.size >= max) {
        const oldest = [...sessions].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
        if (oldest) drop(oldest[0]);
      }
      const server = options.create(key);
      const transport: WebStandardStreamableHTTPServerTransport =
        new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => {
            sessions.set(sid, { key, server, transport, lastUsed: now() });
          },
          onsessionclosed: (sid) => drop(sid),
        });
      await server.connect(transport);
      const response = await transport.handleRequest(request);
      // A first message that opened no session (not an initialize) leaves nothing behind.
      if (!transport.sessionId) void server.close().catch(() => undefined);
      return response;
    },
    get size() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweep);
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
    },
  };
}
