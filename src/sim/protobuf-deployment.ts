/**
 * Reads the Deployment that `kubectl create deployment` sends as protobuf (typed clients do; there is no JSON
 * fallback): the `k8s\0` envelope, ObjectMeta, and the spec fields that command fills in. Field numbers are those of
 * k8s.io/api/apps/v1 and core/v1 generated.proto. Anything else in the message is skipped.
 */
import { readVarint } from './protobuf.ts';

type Value = Buffer | number;
type Msg = Map<number, Value[]>;

function parse(buf: Buffer | undefined): Msg {
  const out: Msg = new Map();
  if (!buf) return out;
  let off = 0;
  while (off < buf.length) {
    const [tag, next] = readVarint(buf, off);
    off = next;
    const field = Math.floor(tag / 8);
    let value: Value;
    if ((tag & 7) === 0) [value, off] = readVarint(buf, off);
    else if ((tag & 7) === 2) {
      const [len, start] = readVarint(buf, off);
      value = buf.subarray(start, start + len);
      off = start + len;
    } else if ((tag & 7) === 1 || (tag & 7) === 5) {
      // Fixed 64- and 32-bit fields: none of the fields read here, skipped.
      value = 0;
      off += (tag & 7) === 1 ? 8 : 4;
    } else throw new Error(`unsupported wire type ${tag & 7}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const msg = (m: Msg, n: number): Msg => parse(m.get(n)?.[0] as Buffer | undefined);
const msgs = (m: Msg, n: number): Msg[] => (m.get(n) ?? []).map((v) => parse(v as Buffer));
const str = (m: Msg, n: number): string | undefined =>
  (m.get(n)?.[0] as Buffer | undefined)?.toString('utf8');
const num = (m: Msg, n: number): number | undefined => m.get(n)?.[0] as number | undefined;

function map(m: Msg, n: number): Record<string, string> | undefined {
  const entries = msgs(m, n);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map((e) => [str(e, 1) ?? '', str(e, 2) ?? '']));
}

const compact = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const meta = (m: Msg) =>
  compact({
    name: str(m, 1),
    generateName: str(m, 2),
    namespace: str(m, 3),
    labels: map(m, 11),
    annotations: map(m, 12),
  });

function intOrString(m: Msg): number | string | undefined {
  if (m.size === 0) return undefined;
  return num(m, 1) === 1 ? str(m, 3) : (num(m, 2) ?? 0);
}

function container(c: Msg) {
  return compact({
    name: str(c, 1),
    image: str(c, 2),
    command: (c.get(3) ?? []).map((v) => v.toString()),
    args: (c.get(4) ?? []).map((v) => v.toString()),
    ports: msgs(c, 6).map((p) =>
      compact({ name: str(p, 1), containerPort: num(p, 3), protocol: str(p, 4) ?? 'TCP' }),
    ),
    imagePullPolicy: str(c, 14),
  });
}

export function decodeDeployment(body: Buffer): Record<string, unknown> & { metadata: { name: string } } {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('missing k8s protobuf envelope');
  const d = parse(parse(body.subarray(4)).get(2)?.[0] as Buffer | undefined);
  const objectMeta = msg(d, 1);
  const spec = msg(d, 2);
  const template = msg(spec, 3);
  const podSpec = msg(template, 2);
  const strategy = msg(spec, 4);
  const rolling = msg(strategy, 2);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...meta(objectMeta), name: str(objectMeta, 1) ?? '' },
    spec: compact({
      replicas: num(spec, 1),
      selector: { matchLabels: map(msg(spec, 2), 1) ?? {} },
      template: {
        metadata: meta(msg(template, 1)),
        spec: compact({
          containers: msgs(podSpec, 2).map(container),
          restartPolicy: str(podSpec, 3),
          terminationGracePeriodSeconds: num(podSpec, 4),
          dnsPolicy: str(podSpec, 6),
        }),
      },
      strategy: str(strategy, 1)
        ? compact({
            type: str(strategy, 1),
            rollingUpdate:
              rolling.size > 0
                ? compact({
                    maxUnavailable: intOrString(msg(rolling, 1)),
                    maxSurge: intOrString(msg(rolling, 2)),
                  })
                : undefined,
          })
        : undefined,
      paused: num(spec, 7) === 1 ? true : undefined,
    }),
  };
}
