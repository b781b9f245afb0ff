import { createHash } from 'node:crypto';
import tls from 'node:tls';
import type https from 'node:https';
import type { Cluster } from '@kubernetes/client-node';
import { KubeConfig, type DispatcherOptions } from '@kubernetes/client-node/dist/config.js';
import { Agent, type Dispatcher } from 'undici';

/** Credential sets kept per KubeConfig: credentials that rotate (exec plugins) make a few in a daemon's life. */
const MAX_CONTEXTS = 4;

type Material = Pick<tls.SecureContextOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase'>;

/** One set of credentials: its parsed TLS material and the connection pools that use it. */
interface Shared {
  context: tls.SecureContext;
  /** By the options besides the material that shape a connection (server name, verification). */
  agents: Map<string, Agent>;
}

function fingerprint(m: Material): string {
  const h = createHash('sha256');
  for (const part of [m.ca, m.cert, m.key, m.pfx, m.passphrase]) {
    const items = Array.isArray(part) ? part : [part];
    for (const item of items) {
      if (item === undefined) h.update('-');
      else if (typeof item === 'string' || Buffer.isBuffer(item)) h.update(item);
      // Forms client-node does not produce (KeyObject-like {pem, passphrase}): no shared context for them.
      else return '';
      h.update('\0');
    }
    h.update('\u0001');
  }
  return h.digest('hex');
}

/**
 * A KubeConfig whose API requests share one TLS secure context and one keep-alive connection pool per set of
 * credentials. client-node 2.0 builds a new undici Agent for every request, so every list, watch and API call
 * opened a new connection with a full TLS handshake (~700 at start for 100 namespaces in 2 contexts), and Node.js a
 * new secure context for each (the CA and client certificate parsed again: ~0.4 s of CPU at 10,000 services). The
 * credentials and headers are still read per request (exec plugins, token files); only their parsed form and the
 * connections made with it are kept while they stay the same. Connections are not capped per server and carry one
 * request at a time, so a long-lived watch holds its own connection and never delays another request. `close()`
 * ends the pools; requests made after it get a connection of their own as before.
 */
export class SharedTlsKubeConfig extends KubeConfig {
  #shared = new Map<string, Shared>();
  #closed = false;

  constructor() {
    super();
    // client-node's requests (generated API calls, watches) get their dispatcher from its private createDispatcher;
    // TypeScript allows no override of a private member, so the instance's own takes its place.
    Object.defineProperty(this, 'createDispatcher', {
      value: (cluster: Cluster | null, agentOptions: https.AgentOptions) =>
        this.dispatcherFor(cluster, agentOptions),
    });
  }

  override createDispatcherOptions(
    cluster: Cluster | null,
    agentOptions: https.AgentOptions,
  ): DispatcherOptions {
    const options = super.createDispatcherOptions(cluster, agentOptions);
    if (options.type !== 'agent' || options.connect.secureContext) return options;
    const shared = this.#sharedFor(options.connect);
    if (!shared) return options;
    return { ...options, connect: { ...options.connect, secureContext: shared.context } };
  }

  /** The dispatcher of one request: the shared pool of its credentials. */
  dispatcherFor(cluster: Cluster | null, agentOptions: https.AgentOptions): Dispatcher | undefined {
    const options = super.createDispatcherOptions(cluster, agentOptions);
    const shared =
      options.type === 'agent' && !options.connect.secureContext && !this.#closed
        ? this.#sharedFor(options.connect)
        : undefined;
    if (options.type !== 'agent' || !shared) return this.#perRequest(cluster, agentOptions);
    const key = `${String(options.connect.rejectUnauthorized)}\0${options.connect.servername ?? ''}`;
    let agent = shared.agents.get(key);
    if (!agent) {
      agent = new Agent({ connect: { ...options.connect, secureContext: shared.context } });
      shared.agents.set(key, agent);
    }
    return agent;
  }

  /**
   * The shared secure context of this TLS material, for connections made outside client-node (port-forward dials);
   * undefined once closed or for material it cannot fingerprint (the caller then passes the material itself).
   */
  secureContextFor(material: Material): tls.SecureContext | undefined {
    return this.#closed ? undefined : this.#sharedFor(material)?.context;
  }

  /** Ends the shared connections (in-flight requests with them) and stops sharing new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const agents = [...this.#shared.values()].flatMap((s) => [...s.agents.values()]);
    this.#shared.clear();
    await Promise.all(agents.map((a) => a.destroy().catch(() => undefined)));
  }

  #perRequest(cluster: Cluster | null, agentOptions: https.AgentOptions): Dispatcher | undefined {
    const create = (KubeConfig.prototype as unknown as Record<string, unknown>).createDispatcher as (
      this: KubeConfig,
      cluster: Cluster | null,
      agentOptions: https.AgentOptions,
    ) => Dispatcher | undefined;
    return create.call(this, cluster, agentOptions);
  }

  #sharedFor(material: Material): Shared | undefined {
    const key = fingerprint(material);
    if (!key) return undefined;
    let shared = this.#shared.get(key);
    if (!shared) {
      if (this.#shared.size >= MAX_CONTEXTS) this.#retireAll();
      shared = { context: tls.createSecureContext(material), agents: new Map() };
      this.#shared.set(key, shared);
    }
    return shared;
  }

  /** Rotated credentials: the old pools take no new requests and close once their requests (watches) end. */
  #retireAll(): void {
    for (const s of this.#shared.values())
      for (const agent of s.agents.values()) agent.close().catch(() => undefined);
    this.#shared.clear();
  }
}
