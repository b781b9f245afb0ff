import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createKubefwdClient } from '../client/client.ts';
import { createChangeFeed, type ChangeFeed } from './change-feed.ts';
import { createLegacySessions } from './legacy-sessions.ts';
import { createKubefwdMcpServer } from './server.ts';
import type { McpAuditRecorder } from './tool-kit.ts';

export interface McpEndpointOptions {
  /** The daemon's own key: the event stream that drives notifications is read with it. */
  apiKey: string;
  version: string;
  audit?: McpAuditRecorder | undefined;
  log?: { warn(obj: object, msg: string): void } | undefined;
}

export interface McpEndpoint {
  /** Express/Node handler for `/mcp`, mounted behind the API's key, Host and Origin checks. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

const LOCAL_ORIGIN =
  /^https?:\/\/(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|kubefwd\.internal)(:\d+)?$/i;

/**
 * MCP over Streamable HTTP inside the daemon. Each request's server calls the daemon's own REST API through the
 * typed client with the caller's key, so `/mcp` and `kubefwd mcp` run one code path and a read-only key stays
 * read-only through MCP. Both protocol eras: a 2026-07-28 client gets resource notifications on its
 * `subscriptions/listen` stream; a 2025-era client gets a session (legacy-sessions.ts) and them on its SSE stream.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  let selfUrl = '';
  let feed: ChangeFeed | undefined;
  const bearer = (request: Request | undefined): string | undefined =>
    /^Bearer (.+)$/.exec(request?.headers.get('authorization') ?? '')?.[1];

  const serverFor = (key: string | undefined, era: 'legacy' | 'modern', withFeed: boolean) =>
    createKubefwdMcpServer({
      client: createKubefwdClient({ baseUrl: selfUrl, apiKey: key }),
      conn: { baseUrl: selfUrl, keySource: 'the Authorization header of the /mcp request' },
      version: options.version,
      actor: 'mcp-http',
      audit: options.audit,
      era,
      feed: withFeed ? feed : undefined,
    });
  const handler = createMcpHandler(({ era, requestInfo }) => serverFor(bearer(requestInfo), era, false), {
    legacy: 'reject',
    onerror: (err) => options.log?.warn({ err: err.message }, 'mcp request failed'),
  });
  const legacy = createLegacySessions({ create: (key) => serverFor(key, 'legacy', true) });
  const node = toNodeHandler(
    {
      fetch: async (request: Request) =>
        (await isLegacyRequest(request)) ? legacy.fetch(request, bearer(request)) : handler.fetch(request),
    },
    {
      onerror: (err) => options.log?.warn({ err: err.message }, 'mcp adapter failed'),
    },
  );

  const follow = (): void => {
    if (feed) return;
    feed = createChangeFeed({ client: createKubefwdClient({ baseUrl: selfUrl, apiKey: options.apiKey }) });
    feed.subscribe((changes) => {
      if (changes.listChanged) void handler.notify.resourcesChanged();
      for (const uri of changes.uris) void handler.notify.resourceUpdated(uri);
    });
  };

  return {
    handle(req, res) {
      const origin = req.headers.origin;
      if (origin !== undefined && !LOCAL_ORIGIN.test(origin)) {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32000, message: `origin ${origin.slice(0, 100)} is not allowed` },
          }),
        );
        return;
      }
      const { localAddress, localPort } = req.socket;
      if (localAddress && localPort)
        selfUrl = `http://${localAddress.includes(':') ? `[${localAddress}]` : localAddress}:${localPort}`;
      follow();
      void node(req, res);
    },
    async close() {
      feed?.close();
      await legacy.close();
      await handler.close();
    },
  };
}
