import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Logger } from '../log/logger.ts';
import type { DialOptions, PortForwardProtocol } from '../portforward/types.ts';
import { createKubeApi, type KubeApi } from './kube-api.ts';
import { fromKubeError } from './kube-errors.ts';
import { kubeConfigFor } from './kubeconfig.ts';
import { SharedTlsKubeConfig } from './shared-tls-kubeconfig.ts';

export interface ServerVersion {
  major: number;
  minor: number;
  gitVersion: string;
}

/** Everything that talks to one context's API server. */
export interface ClusterClient {
  readonly context: string;
  /** Position of the context on the command line: the IP scheme's 2nd octet offset. */
  readonly index: number;
  readonly kc: KubeConfig;
  /** The API calls besides the reflectors' (plain JSON, by the generated clients' names). */
  readonly core: KubeApi;
  readonly server: string;
  serverVersion(): Promise<ServerVersion>;
  /** SelfSubjectAccessReview; a review that fails counts as denied, with the failure as the reason. */
  accessReview(
    verb: string,
    resource: string,
    namespace: string,
    subresource?: string,
  ): Promise<{ allowed: boolean; reason: string | undefined }>;
  /** Fresh TLS material and credentials (exec plugins, token files) for one port-forward dial. */
  dialOptions(
    namespace: string,
    pod: string,
    ports: number[],
    protocol: PortForwardProtocol,
  ): Promise<DialOptions>;
  /** Ends the kept-alive API connections (after the watches that use them). */
  close(): Promise<void>;
}

export function createClusterClient(options: {
  base: KubeConfig;
  context: string;
  index: number;
  log: Logger;
}): ClusterClient {
  const { context, index, log } = options;
  const kc = kubeConfigFor(options.base, context);
  const core = createKubeApi(kc);
  const server = kc.getCurrentCluster()?.server ?? '';
  let version: Promise<ServerVersion> | undefined;

  return {
    context,
    index,
    kc,
    core,
    server,
    serverVersion() {
      version ??= core.getCode().then(
        (info) => ({
          major: Number.parseInt(info.major, 10) || 1,
          minor: Number.parseInt(info.minor, 10) || 0,
          gitVersion: info.gitVersion,
        }),
        (err: unknown) => {
          version = undefined;
          throw fromKubeError(err, `cannot reach the API server of context "${context}" (${server})`);
        },
      );
      return version;
    },
    async accessReview(verb, resource, namespace, subresource) {
      try {
        const review = await core.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { verb, resource, namespace, subresource } },
          },
        });
        return { allowed: review.status?.allowed === true, reason: review.status?.reason || undefined };
      } catch (err) {
        log.debug({ err: String(err), context, verb, resource, namespace }, 'access review failed');
        return { allowed: false, reason: fromKubeError(err, 'access review').message };
      }
    },
    async dialOptions(namespace, pod, ports, protocol) {
      const opts: https.RequestOptions = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      const url = new URL(
        `${server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`,
      );
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
      const material = {
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
      };
      return {
        url,
        protocol,
        headers,
        ca: opts.ca as string | Buffer | undefined,
        cert: opts.cert as string | Buffer | undefined,
        key: opts.key as string | Buffer | undefined,
        rejectUnauthorized: opts.rejectUnauthorized !== false,
        servername: opts.servername,
        // Parsed once per set of credentials, like the API requests' (shared-tls-kubeconfig.ts); a new one per dial
        // was 1 ms of CPU each (~100 ms of a start that opens 100 pod sessions).
        secureContext: kc instanceof SharedTlsKubeConfig ? kc.secureContextFor(material) : undefined,
        ports,
        log,
      };
    },
    async close() {
      if (kc instanceof SharedTlsKubeConfig) await kc.close();
    },
  };
}
