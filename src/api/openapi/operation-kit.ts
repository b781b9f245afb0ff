/** The shape of one operation fact and the parameters operations share. */
import { arr, int, oneOfEnum, str, type Schema } from './schema-kit.ts';

export interface Param {
  name: string;
  in: 'query' | 'header';
  schema: Schema;
  description?: string;
  required?: boolean;
}

export interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  id: string;
  summary: string;
  tag: string;
  params?: Param[];
  /** requestBody schema (application/json). */
  body?: Schema;
  /** Schema of `data` in the success envelope. */
  data?: Schema;
  status?: 200 | 201;
  /** Error statuses beyond the ones every operation has. */
  errors?: number[];
  /** A non-JSON answer: content type and description (SSE, Prometheus, YAML). */
  raw?: { type: string; description: string };
  /** No bearer token. */
  open?: boolean;
  description?: string;
}

export const q = (name: string, schema: Schema, description?: string): Param => ({
  name,
  in: 'query',
  schema,
  ...(description ? { description } : {}),
});
export const count = (def: number, max: number): Param =>
  q('count', int({ minimum: 1, maximum: max, default: def }), 'Number of entries (newest)');
export const context = q(
  'context',
  str({ maxLength: 253 }),
  'Kubeconfig context (default: the first one in use)',
);
export const paging = [
  q('limit', int({ minimum: 1, maximum: 1000, default: 100 }), 'Page size'),
  q('offset', int({ minimum: 0, default: 0 }), 'Items to skip'),
  q('search', str({ maxLength: 200 }), 'Case-insensitive substring of name, namespace, context'),
];
export const force = q(
  'force',
  oneOfEnum(['true', 'false']),
  'Also the healthy ones / re-dial live sessions',
);
export const span = [
  q('duration', str({ pattern: '^[0-9]+(ms|s|m|h|d)$', default: '5m' }), 'Window, e.g. 30m, 1h (max 24h)'),
  q('interval', str({ pattern: '^[0-9]+(ms|s|m|h|d)$', default: '1s' }), 'Bucket, e.g. 1s, 10s, 1m'),
];
export const K8S = [403, 502, 504];
export const list = (item: Schema): Schema => arr(item);
