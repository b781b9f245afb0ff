import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The daemons and CLIs the tests start keep Node.js's compile cache in one directory of this run (inherited through
 * NODE_COMPILE_CACHE), never in the machine's /var/cache/kubefwd or a home directory (src/cli/compile-cache.ts).
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'kubefwd-test-compile-cache-'));
  process.env.NODE_COMPILE_CACHE = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
