import { describe, expect, it } from 'vitest';
import { strategicMerge } from '../../../src/sim/strategic-merge.ts';

const pod = {
  metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['x'] },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'old',
        ports: [{ containerPort: 80 }],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'side', image: 's' },
    ],
    tolerations: [{ key: 'k' }],
  },
};

describe('strategic merge patch', () => {
  it('merges containers by name, env by name and ports by containerPort', () => {
    const out = strategicMerge(
      pod,
      {
        spec: {
          containers: [
            { name: 'c', image: 'new', env: [{ name: 'A', value: '9' }], ports: [{ containerPort: 81 }] },
          ],
        },
      },
      'Pod',
    ) as typeof pod;
    expect(out.spec.containers).toEqual([
      {
        name: 'c',
        image: 'new',
        ports: [{ containerPort: 80 }, { containerPort: 81 }],
        env: [
          { name: 'A', value: '9' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'side', image: 's' },
    ]);
  });

  it('replaces atomic lists, deletes on null and unions merged sets', () => {
    const out = strategicMerge(
      pod,
      { metadata: { labels: { a: null }, finalizers: ['y'] }, spec: { tolerations: [{ key: 'z' }] } },
      'Pod',
    ) as typeof pod;
    expect(out.metadata.labels).toEqual({ b: '2' });
    expect(out.metadata.finalizers).toEqual(['x', 'y']);
    expect(out.spec.tolerations).toEqual([{ key: 'z' }]);
  });

  it('follows the directives kubectl apply sends', () => {
    const out = strategicMerge(
      pod,
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'side' }, { name: 'c' }],
          containers: [{ name: 'c', env: [{ name: 'B', $patch: 'delete' }] }],
        },
        metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] },
      },
      'Pod',
    ) as typeof pod;
    expect(out.spec.containers.map((c) => c.name)).toEqual(['side', 'c']);
    expect(out.spec.containers[1]?.env).toEqual([{ name: 'A', value: '1' }]);
    expect(out.metadata.finalizers).toEqual([]);
    const replaced = strategicMerge(
      pod,
      { metadata: { labels: { $patch: 'replace', c: '3' } } },
      'Pod',
    ) as typeof pod;
    expect(replaced.metadata.labels).toEqual({ c: '3' });
    const retained = strategicMerge(
      { spec: { volumes: [{ name: 'v', emptyDir: {} }] } },
      { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'configMap'], configMap: { name: 'cm' } }] } },
      'Pod',
    );
    expect(retained).toEqual({ spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }] } });
  });

  it('merges maps and replaces lists where the schema has no patch strategy', () => {
    expect(strategicMerge({ a: { b: 1, l: [1, 2] } }, { a: { c: 2, l: [3] } }, undefined)).toEqual({
      a: { b: 1, c: 2, l: [3] },
    });
  });
});
