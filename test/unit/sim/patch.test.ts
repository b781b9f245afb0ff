import { describe, expect, it } from 'vitest';
import { applyPatch, jsonPatch, mergePatch } from '../../../src/sim/patch.ts';
import { StoreError } from '../../../src/sim/store.ts';
import { goFormat } from '../../../src/sim/writes.ts';

describe('JSON patch (RFC 6902)', () => {
  const doc = { a: { b: 1 }, l: [1, 2, 3] };
  it('adds, replaces, removes, moves, copies and tests', () => {
    expect(
      jsonPatch(doc, [
        { op: 'add', path: '/a/c', value: 2 },
        { op: 'add', path: '/l/-', value: 4 },
        { op: 'add', path: '/l/0', value: 0 },
        { op: 'replace', path: '/a/b', value: 9 },
        { op: 'remove', path: '/l/1' },
        { op: 'move', from: '/a/c', path: '/m' },
        { op: 'copy', from: '/m', path: '/n~1x' },
        { op: 'test', path: '/a/b', value: 9 },
      ]),
    ).toEqual({ a: { b: 9 }, l: [0, 2, 3, 4], m: 2, 'n/x': 2 });
    expect(doc).toEqual({ a: { b: 1 }, l: [1, 2, 3] });
  });

  it.each([
    [[{ op: 'test', path: '/a/b', value: 2 }], 'testing value /a/b failed: test failed'],
    [[{ op: 'remove', path: '/zz' }], 'doc is missing path: "/zz": missing value'],
    [[{ op: 'replace', path: '/q/r', value: 1 }], 'doc is missing path: "/q/r": missing value'],
  ])('refuses %j with 422', (ops, message) => {
    expect(() => jsonPatch(doc, ops)).toThrow(message);
  });
});

describe('patch types', () => {
  it('merge patch deletes on null and replaces lists', () => {
    expect(mergePatch({ a: 1, b: { c: 1, d: 2 }, l: [1] }, { a: null, b: { c: 3 }, l: [2] })).toEqual({
      b: { c: 3, d: 2 },
      l: [2],
    });
  });

  it('answers 415 for other content types', () => {
    const err = (() => {
      try {
        applyPatch('application/apply-patch+yaml', {}, {}, undefined);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).status).toBe(415);
  });
});

describe("Go's %v of a decoded JSON value", () => {
  it.each([
    [{ b: [1, 'x'], a: { c: true } }, 'map[a:map[c:true] b:[1 x]]'],
    [8080, '8080'],
    [1000000, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.5, '0.5'],
    [null, '<nil>'],
  ])('%j prints as %s', (v, text) => expect(goFormat(v)).toBe(text));
});
