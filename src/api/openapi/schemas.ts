/** components.schemas of openapi.yaml: one typed schema per shape the API answers (see src/api/views/*.ts). */
import type { Schema } from './schema-kit.ts';
import { CONTROL_SCHEMAS } from './schemas-control.ts';
import { OBSERVE_SCHEMAS } from './schemas-observe.ts';

export const SCHEMAS: Record<string, Schema> = { ...CONTROL_SCHEMAS, ...OBSERVE_SCHEMAS };
