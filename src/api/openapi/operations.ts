/** Every operation of the API, one entry of facts each; build.ts turns them into openapi.yaml paths. */
import type { Operation } from './operation-kit.ts';
import { OBSERVE_OPERATIONS } from './operations-observe.ts';
import { CONTROL_OPERATIONS } from './operations-control.ts';

export type { Operation, Param } from './operation-kit.ts';

export const OPERATIONS: Operation[] = [...CONTROL_OPERATIONS, ...OBSERVE_OPERATIONS];
