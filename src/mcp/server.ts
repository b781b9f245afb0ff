import { McpServer } from '@modelcontextprotocol/server';
import type { KubefwdClient } from '../client/client.ts';
import type { ChangeFeed } from './change-feed.ts';
import { registerPrompts } from './prompts.ts';
import { registerResources } from './resources.ts';
import type { ConnectionHints } from './tool-errors.ts';
import type { McpAuditRecorder, ToolContext } from './tool-kit.ts';
import { registerClusterTools } from './tools-cluster.ts';
import { registerForwardingTools } from './tools-forwarding.ts';
import { registerObserveTools } from './tools-observe.ts';
import { registerPortForwardTools } from './tools-port-forwards.ts';
import { registerServiceTools } from './tools-services.ts';

export interface KubefwdMcpOptions {
  /** The daemon's typed client: every tool, resource and prompt goes through it. */
  client: KubefwdClient;
  conn: ConnectionHints;
  version: string;
  actor: string;
  audit?: McpAuditRecorder | undefined;
  /**
   * Changes from the daemon's event stream, for instances that live as long as their connection (stdio). A
   * 2025-era connection gets `resources/updated` for the URIs it subscribed to; a 2026-era one gets every update on
   * its listen stream, which the SDK filters.
   */
  feed?: ChangeFeed | undefined;
  era?: 'legacy' | 'modern' | undefined;
}

const INSTRUCTIONS =
  'kubefwd forwards Kubernetes services to loopback IPs under their in-cluster names. Start with get_quick_status; ' +
  'add_namespace or add_service to forward, get_connection_info for hostnames, ports and environment variables; ' +
  'diagnose_errors and get_analysis when something fails. Errors start with a code such as api_unavailable or ' +
  'service_not_found, followed by what to do.';

/** One MCP server instance (the SDK builds one per stdio connection, or per HTTP request). */
export function createKubefwdMcpServer(options: KubefwdMcpOptions): McpServer {
  const server = new McpServer(
    { name: 'kubefwd', title: 'kubefwd', version: options.version },
    { capabilities: { resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  );
  const ctx: ToolContext = {
    client: options.client,
    conn: options.conn,
    audit: options.audit,
    actor: options.actor,
  };
  registerForwardingTools(server, ctx);
  registerServiceTools(server, ctx);
  registerClusterTools(server, ctx);
  registerObserveTools(server, ctx);
  registerPortForwardTools(server, ctx);
  registerResources(server, options.client);
  registerPrompts(server);
  if (options.feed) notifyFrom(server, options.feed, options.era ?? 'legacy');
  return server;
}

function notifyFrom(server: McpServer, feed: ChangeFeed, era: 'legacy' | 'modern'): void {
  const subscribed = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });
  const off = feed.subscribe((changes) => {
    if (!server.isConnected()) return;
    if (changes.listChanged) server.sendResourceListChanged();
    for (const uri of changes.uris)
      if (era === 'modern' || subscribed.has(uri))
        void server.server.sendResourceUpdated({ uri }).catch(() => undefined);
  });
  const previous = server.server.onclose;
  server.server.onclose = () => {
    off();
    previous?.();
  };
}
