import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyRing, parseKeyFile, readKeyFile, scopeAllows } from '../../../src/api/keys.ts';
import { silentLogger } from '../../../src/log/logger.ts';

const K = (n: number): string => `key-${String(n).padStart(2, '0')}-0123456789abcdef`;

describe('API keys', () => {
  it('parses named keys with their scopes', () => {
    expect(
      parseKeyFile(
        `keys:\n  - {name: ci, key: ${K(1)}, scope: read}\n  - {name: ops, key: ${K(2)}, scope: control}\n`,
      ),
    ).toEqual([
      { name: 'ci', key: K(1), scope: 'read' },
      { name: 'ops', key: K(2), scope: 'control' },
    ]);
    expect(parseKeyFile('')).toEqual([]);
  });

  it.each([
    ['keys: 3', /"keys" must be a list/],
    [`keys: [{name: admin, key: ${K(1)}, scope: read}]`, /reserved/],
    [`keys: [{name: "a b", key: ${K(1)}, scope: read}]`, /name must be/],
    ['keys: [{name: ci, key: short, scope: read}]', /at least 16 characters/],
    [`keys: [{name: ci, key: ${K(1)}, scope: admin}]`, /scope must be read or control/],
    [`keys: [{name: ci, key: ${K(1)}, scope: read}, {name: ci, key: ${K(2)}, scope: read}]`, /given twice/],
    [`keys: [{name: a, key: ${K(1)}, scope: read}, {name: b, key: ${K(1)}, scope: read}]`, /same as another/],
    ['keys: [', /not valid YAML/],
  ])('refuses %s', (text, message) => {
    expect(() => parseKeyFile(text)).toThrow(message);
  });

  it('refuses a key file that group or others may read, and has no keys when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubefwd-keys-'));
    try {
      const path = join(dir, 'api-keys.yaml');
      expect(readKeyFile(path)).toEqual([]);
      writeFileSync(path, `keys: [{name: ci, key: ${K(1)}, scope: read}]\n`);
      chmodSync(path, 0o640);
      expect(() => readKeyFile(path)).toThrow(/mode 640: it must be readable by its owner only/);
      chmodSync(path, 0o600);
      expect(readKeyFile(path)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('identifies callers by key, with scopes read < control < admin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubefwd-keys-'));
    try {
      const file = join(dir, 'api-keys.yaml');
      writeFileSync(file, `keys: [{name: ops, key: ${K(2)}, scope: control}]\n`, { mode: 0o600 });
      const ring = createKeyRing({ adminKey: K(0), readKey: K(1), file, log: silentLogger() });
      expect(ring.identify(K(0))).toEqual({ name: 'admin', scope: 'admin' });
      expect(ring.identify(K(1))).toEqual({ name: 'read', scope: 'read' });
      expect(ring.identify(K(2))).toEqual({ name: 'ops', scope: 'control' });
      expect(ring.identify(K(3))).toBeUndefined();
      expect(ring.identify(undefined)).toBeUndefined();
      expect(ring.secrets().sort()).toEqual([K(0), K(1), K(2)]);
      expect([
        scopeAllows('read', 'control'),
        scopeAllows('control', 'read'),
        scopeAllows('admin', 'control'),
      ]).toEqual([false, true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
