import type { DaemonConfig } from '../../../src/daemon/config.ts';
import type { SimFixture } from '../../../src/sim/fixture.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';

/**
 * One cluster with a user limited by RBAC: alpha may be read and forwarded, gamma read but not forwarded, beta not
 * read at all. Its kubeconfig context is `one-limited`; the admin's is `one`.
 */
export const ACCESS_FIXTURE: SimFixture = {
  clusters: [
    {
      name: 'one',
      users: [
        {
          name: 'limited',
          rules: [
            {
              verbs: ['get', 'list', 'watch'],
              resources: ['services', 'pods', 'pods/log', 'endpoints', 'events'],
              namespaces: ['alpha', 'gamma'],
            },
            { verbs: ['create'], resources: ['pods/portforward'], namespaces: ['alpha'] },
          ],
        },
      ],
      objects: ['alpha', 'beta', 'gamma'].flatMap((ns) => [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: ns },
          // A port no other test forwards: tests of several files run at once on the same loopback IPs.
          spec: { selector: { app: 'web' }, ports: [{ port: 18471, targetPort: 3000 }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web-0', namespace: ns, labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'sim', ports: [{ containerPort: 3000 }] }] },
        },
      ]),
    },
  ],
};

export const ADMIN_KEY = 'admin-key-0123456789abcdef';

/** An idle daemon with its API on, against ACCESS_FIXTURE, as `context`'s user. */
export async function startApiDaemon(
  context: string,
  overrides: Partial<DaemonConfig> = {},
): Promise<{ env: DaemonEnv; base: string }> {
  const env = await startDaemonEnv(ACCESS_FIXTURE, {
    contexts: [context],
    namespaces: [],
    idle: true,
    api: true,
    apiKey: ADMIN_KEY,
    ...overrides,
  });
  return { env, base: apiBase(env) };
}

/** The API's base URL from what the daemon printed at start. */
export function apiBase(env: DaemonEnv): string {
  const m = /API: (http:\/\/[\d.]+:\d+)\//.exec(env.summary.text);
  if (!m?.[1]) throw new Error(`no API URL in: ${env.summary.text}`);
  return m[1];
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: {
    success: boolean;
    data: Record<string, unknown>;
    error?: { code: string; message: string };
    meta: Record<string, unknown>;
  };
}

/** One API call with a bearer key; the answer's JSON when it is JSON. */
export async function call(
  base: string,
  key: string | undefined,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as Answer['json'] };
}
