import { fileURLToPath } from 'node:url';

/**
 * Where the console's built assets live in the package (`dist/console`), written by `npm run build:web`. Not
 * `dist/web`: a compiled package puts this module's own folder there.
 */
export const WEB_DIST = fileURLToPath(new URL('../../dist/console/', import.meta.url));
