import { KubefwdError } from '../errors.ts';
import type { AdhocRequest } from './adhoc-manager.ts';
import {
  checkName,
  parsePortSpec,
  parseTarget,
  parseTtl,
  type PortSpec,
  type TargetRef,
} from './target-spec.ts';

const KIND_FIELDS = ['pod', 'service', 'deployment', 'statefulset'] as const;
const CONTEXT = /^[A-Za-z0-9._:/@-]{1,253}$/;

const bad = (message: string): KubefwdError => new KubefwdError('BAD_REQUEST', message);

function targetOf(body: Record<string, unknown>): TargetRef {
  const given = [
    ...(body.target === undefined ? [] : ['target']),
    ...KIND_FIELDS.filter((k) => body[k] !== undefined),
  ];
  if (given.length === 0)
    throw bad(
      'give a target: "target" (e.g. "svc/web", "deploy/api", "pod/web-0") or one of pod, service, deployment, statefulset',
    );
  if (given.length > 1) throw bad(`give one target, not ${given.join(' and ')}`);
  if (body.target !== undefined) {
    if (typeof body.target !== 'string') throw bad('target must be a string such as "svc/web"');
    return parseTarget(body.target);
  }
  const kind = given[0] as (typeof KIND_FIELDS)[number];
  return { kind, name: checkName(body[kind], kind) };
}

function integer(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65535)
    throw bad(`${what} must be an integer between ${min} and 65535`);
  return value;
}

/**
 * kubectl's `port` ("8080:80", ":80", "http"), or k13d's `localPort` and `podPort`. In k13d's shape `podPort` is the
 * pod's port whatever the target, so a service's ports are not consulted.
 */
function portOf(body: Record<string, unknown>): PortSpec {
  if (body.port !== undefined) {
    if (body.podPort !== undefined || body.localPort !== undefined)
      throw bad('give either port ("8080:80") or localPort and podPort, not both');
    if (typeof body.port === 'number') return parsePortSpec(String(integer(body.port, 'port', 1)));
    if (typeof body.port !== 'string') throw bad('port must be a string such as "8080:80" or ":80"');
    return parsePortSpec(body.port);
  }
  if (body.podPort === undefined) throw bad('give a port: port ("8080:80", ":80") or podPort');
  const local = body.localPort === undefined ? 0 : integer(body.localPort, 'localPort', 0);
  const remote =
    typeof body.podPort === 'string'
      ? parsePortSpec(body.podPort).remote
      : integer(body.podPort, 'podPort', 1);
  return { local, remote, podPort: true };
}

/** Checks a POST /api/v1/portforwards body and turns it into a request; every refusal is one BAD_REQUEST line. */
export function parseAdhocBody(input: unknown): AdhocRequest {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw bad('the body must be a JSON object');
  const body = input as Record<string, unknown>;
  const optional = (key: string, check: (v: string) => string): string | undefined => {
    const v = body[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw bad(`${key} must be a string`);
    return check(v);
  };
  return {
    target: targetOf(body),
    port: portOf(body),
    namespace: optional('namespace', (v) => checkName(v, 'namespace')),
    context: optional('context', (v) => {
      if (!CONTEXT.test(v)) throw bad('invalid context');
      return v;
    }),
    address: optional('address', (v) => v.slice(0, 64)),
    ttlMs: parseTtl(body.ttl),
  };
}
