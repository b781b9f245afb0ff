import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileCacheDir, startCompileCache, unsafeBecause } from '../../../src/cli/compile-cache.ts';

const euid = process.geteuid?.() ?? 0;

describe('compile cache directory', () => {
  it('is /var/cache/kubefwd for root whatever HOME says, the XDG cache or ~/.cache for anyone else', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/home/u/.xdg' }, 0, '/home/u')).toBe('/var/cache/kubefwd');
    expect(compileCacheDir({ XDG_CACHE_HOME: '/home/u/.xdg' }, 1000, '/home/u')).toBe('/home/u/.xdg/kubefwd');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative' }, 1000, '/home/u')).toBe('/home/u/.cache/kubefwd');
    expect(compileCacheDir({}, 1000, '/home/u')).toBe('/home/u/.cache/kubefwd');
  });
});

describe('unsafeBecause', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubefwd-cc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a private directory under a sticky /tmp', () => {
    const d = join(dir, 'cache');
    mkdirSync(d, { mode: 0o700 });
    expect(unsafeBecause(d, euid)).toBeUndefined();
  });

  it('refuses a directory others may write to, or one below such a directory', () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(unsafeBecause(open, euid)).toBe(`${open} is writable by others`);
    const below = join(open, 'cache');
    mkdirSync(below, { mode: 0o700 });
    expect(unsafeBecause(below, euid)).toBe(`${open} is writable by others`);
  });

  it('refuses a directory of another user, and judges a symbolic link by where it leads', () => {
    const d = join(dir, 'cache');
    mkdirSync(d, { mode: 0o700 });
    expect(unsafeBecause(d, euid + 1)).toBe(`${d} belongs to uid ${euid}`);
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const link = join(dir, 'link');
    symlinkSync(open, link);
    expect(unsafeBecause(link, euid)).toBe(`${open} is writable by others`);
  });
});

describe('startCompileCache', () => {
  it("leaves the choice to Node.js's own variables when they are set", () => {
    expect(startCompileCache({ NODE_COMPILE_CACHE: '/somewhere' }, euid)).toEqual({
      enabled: false,
      reason: 'left to NODE_COMPILE_CACHE / NODE_DISABLE_COMPILE_CACHE',
    });
    expect(startCompileCache({ NODE_DISABLE_COMPILE_CACHE: '1' }, euid).enabled).toBe(false);
  });

  it('does not enable a cache in a directory others may write to', () => {
    const home = mkdtempSync(join(tmpdir(), 'kubefwd-cc-'));
    try {
      chmodSync(home, 0o777);
      const r = startCompileCache({ XDG_CACHE_HOME: home }, euid === 0 ? 4242 : euid);
      // As root the directory would be /var/cache/kubefwd, so the test runs the non-root choice with another uid:
      // the directory is then either not that uid's or below one anyone may write to.
      expect(r.enabled).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
