import { fileURLToPath } from 'node:url';

/** Where the console's built assets live in the package (`dist/web`), written by `npm run build:web`. */
export const WEB_DIST = fileURLToPath(new URL('../../dist/web/', import.meta.url));
