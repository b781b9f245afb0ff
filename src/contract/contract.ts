import type { components, operations, paths } from './openapi-types.ts';

/**
 * Type helpers over the types generated from openapi.yaml (`npm run gen:api`). The server's routes and the typed
 * client both speak in these, so a change to the spec that a route or a face does not follow fails `tsc`.
 */
export type { components, operations, paths };
export type Schemas = components['schemas'];
export type OperationId = keyof operations;
export type ErrorEnvelope = Schemas['ErrorEnvelope'];
export type ErrorCodeName = Schemas['ErrorCode'];
export type Meta = Schemas['Meta'];

type Responses<Op extends OperationId> = operations[Op]['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The success statuses an operation declares (200, 201, 202). */
export type SuccessStatus<Op extends OperationId> = Extract<keyof Responses<Op>, 200 | 201 | 202>;

/** The whole JSON body an operation answers with on success. */
export type OkBody<Op extends OperationId> = JsonOf<Responses<Op>[SuccessStatus<Op>]>;

/** The `data` of an operation's success envelope. */
export type OkData<Op extends OperationId> = OkBody<Op> extends { data: infer D } ? D : never;

/** An operation's JSON request body, if it has one. */
export type RequestBody<Op extends OperationId> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;
