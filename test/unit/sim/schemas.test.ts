import { describe, expect, it } from 'vitest';
import { checkObject, strictDecodingError } from '../../../src/sim/field-validation.ts';
import {
  openApiV2Document,
  openApiV3Document,
  documentedGroupVersions,
} from '../../../src/sim/openapi-docs.ts';
import { readQuery } from '../../../src/sim/query.ts';
import { parseField } from '../../../src/sim/schema-field.ts';
import { TYPES, kindType } from '../../../src/sim/schema-table.ts';
import { rfc3339Nano, PodLogs } from '../../../src/sim/pod-logs.ts';

/** Every `$ref` anywhere in a document. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  return out;
}

describe('the schema table', () => {
  it('parses every field type and knows the workload kinds', () => {
    for (const def of Object.values(TYPES)) for (const spec of Object.values(def.fields)) parseField(spec);
    expect(['Deployment', 'ReplicaSet', 'StatefulSet'].map((k) => kindType('apps', k))).toEqual([
      'Deployment',
      'ReplicaSet',
      'StatefulSet',
    ]);
    expect(kindType('autoscaling', 'Scale')).toBe('Scale');
    expect(kindType('apps', 'Pod')).toBeUndefined();
  });

  it('generates documents whose references all resolve', () => {
    const v2 = openApiV2Document('1.32') as { definitions: Record<string, unknown> };
    for (const r of refs(v2)) expect(v2.definitions, r).toHaveProperty([r.replace('#/definitions/', '')]);
    for (const gv of documentedGroupVersions()) {
      const v3 = openApiV3Document(gv, '1.32') as { components: { schemas: Record<string, unknown> } };
      for (const r of refs(v3))
        expect(v3.components.schemas, r).toHaveProperty([r.replace('#/components/schemas/', '')]);
    }
  });

  it('finds unknown fields where the strict decoder does, and drops them', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { any: 'x' }, oops: 1 },
      spec: {
        containers: [{ name: 'c', ports: [{ containerPort: 1, x: 1 }] }],
        affinity: { free: { form: 1 } },
      },
      extra: {},
    };
    const { unknown, typeError } = checkObject('Pod', pod);
    expect(typeError).toBeUndefined();
    expect(unknown).toEqual(['metadata.oops', 'spec.containers[0].ports[0].x', 'extra']);
    expect(strictDecodingError(unknown.slice(0, 2))).toBe(
      'strict decoding error: unknown field "metadata.oops", unknown field "spec.containers[0].ports[0].x"',
    );
    expect(pod).not.toHaveProperty('extra');
    expect(pod.spec.affinity).toEqual({ free: { form: 1 } });
  });
});

describe('value types', () => {
  it.each([
    [
      { spec: { containers: [{ name: 'c', ports: [{ containerPort: '80' }] }] } },
      'string',
      'ContainerPort.spec.containers.ports.containerPort',
      'int32',
    ],
    [
      { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: 1 }] }] } },
      'number',
      'EnvVar.spec.containers.env.value',
      'string',
    ],
    [{ metadata: { labels: { a: true } } }, 'bool', 'ObjectMeta.metadata.labels', 'string'],
    [{ spec: { hostNetwork: 'yes' } }, 'string', 'PodSpec.spec.hostNetwork', 'bool'],
    [{ spec: { containers: { name: 'c' } } }, 'object', 'PodSpec.spec.containers', '[]v1.Container'],
    [{ spec: { priority: 1.5 } }, 'number 1.5', 'PodSpec.spec.priority', 'int32'],
  ])("refuses %j as Go's decoder does", (pod, value, field, type) => {
    expect(checkObject('Pod', pod).typeError).toBe(
      `json: cannot unmarshal ${value} into Go struct field ${field} of type ${type}`,
    );
  });

  it('takes null anywhere and any scalar where a quantity or int-or-string goes', () => {
    const pod = {
      metadata: { labels: null },
      spec: { containers: [{ name: 'c', resources: { limits: { cpu: 1, memory: '1Gi' } }, ports: null }] },
    };
    expect(checkObject('Pod', pod)).toEqual({ unknown: [] });
  });
});

describe('query parameters', () => {
  it('reads booleans as the API server does', () => {
    const q = readQuery(new URLSearchParams('a=True&b=1&c=yes&d=&e=FALSE&f=0&g=False'));
    expect(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'absent'].map((n) => q.bool(n))).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(() => q.int('a')).toThrow('strconv.ParseInt: parsing "True": invalid syntax');
  });
});

describe('pod logs', () => {
  it('prints RFC 3339 with nanoseconds, trailing zeros trimmed', () => {
    expect(rfc3339Nano(1_700_000_000_123_450_000n)).toBe('2023-11-14T22:13:20.12345Z');
    expect(rfc3339Nano(1_700_000_000_000_000_000n)).toBe('2023-11-14T22:13:20Z');
  });

  it('keeps the newest lines, orders equal clocks, and ends followers when the pod goes', () => {
    const logs = new PodLogs({ retain: 2, now: () => 5n });
    const seen: string[] = [];
    let ended = false;
    logs.follow('ns', 'p', 'c', { line: (l) => seen.push(l.text), end: () => (ended = true) });
    for (const t of ['a', 'b', 'c']) logs.write('ns', 'p', 'c', t);
    expect(logs.lines('ns', 'p', 'c').map((l) => [l.text, l.ns])).toEqual([
      ['b', 6n],
      ['c', 7n],
    ]);
    expect(seen).toEqual(['a', 'b', 'c']);
    logs.close('ns', 'p');
    expect(ended).toBe(true);
    expect(logs.lines('ns', 'p', 'c')).toEqual([]);
  });
});
