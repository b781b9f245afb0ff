import type { McpServer } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import type { KubefwdClient } from '../client/client.ts';
import { toToolError, toolErrorResult, type ConnectionHints, type NotFoundAs } from './tool-errors.ts';

/**
 * Where tool calls are recorded. The shape of the daemon's audit recorder (`record({actor, action, resource,
 * outcome, details})`), so the daemon can hand its recorder to `/mcp`; `kubefwd mcp` records nothing itself: the
 * calls it makes reach the daemon's REST API, which audits state changes as the key's owner.
 */
export interface McpAuditRecorder {
  record(entry: {
    actor: string;
    action: string;
    resource: string;
    outcome: 'success' | 'failure' | 'denied';
    details?: Record<string, unknown>;
  }): void;
}

/** What every tool gets: the typed client of the daemon, and how to explain connection failures. */
export interface ToolContext {
  client: KubefwdClient;
  conn: ConnectionHints;
  audit?: McpAuditRecorder | undefined;
  /** Who calls, for the audit trail. */
  actor: string;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** Read-only tools of the daemon's own state, and ones that ask the Kubernetes API. */
export const READ_LOCAL: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
export const READ_CLUSTER: ToolAnnotations = { ...READ_LOCAL, openWorldHint: true };
/** Starts forwarding something the cluster has: a second call with the same arguments is refused. */
export const ADDS_FROM_CLUSTER: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
};

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** What a "not found" from the daemon means for this tool. */
  notFound?: NotFoundAs;
  /** The thing a state-changing call acts on, for the audit trail (`service/web.default.ctx`). */
  resource?: (args: z.infer<I>) => string;
}

/**
 * Arguments the schema refuses come back as a tool error whose text starts with `invalid_input`, the original's
 * code, rather than with the SDK's wording alone. The JSON Schema the model sees is the Zod schema's own.
 */
export function withInvalidInputCode<S extends z.ZodType>(schema: S): S {
  const standard = schema['~standard'];
  const validate: typeof standard.validate = async (value) => {
    const result = await standard.validate(value);
    if (!result.issues?.length) return result;
    const detail = result.issues
      .map(
        (i) =>
          `${(i.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || 'arguments'}: ${i.message}`,
      )
      .join('; ');
    return { issues: [{ message: `invalid_input: ${detail}` }] };
  };
  return new Proxy(schema, {
    get(target, prop, receiver) {
      if (prop === '~standard') return { ...standard, validate, jsonSchema: standard.jsonSchema };
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

/** Registers one tool: its result is the data as JSON text and as structured content; failures are tool errors. */
export function addTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  ctx: ToolContext,
  spec: ToolSpec<I, O>,
  run: (args: z.infer<I>) => Promise<z.infer<O>>,
): void {
  const changes = !spec.annotations.readOnlyHint;
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: withInvalidInputCode(spec.input),
      outputSchema: spec.output,
      annotations: { title: spec.title, ...spec.annotations },
    },
    (async (args: z.infer<I>) => {
      try {
        const data = await run(args);
        if (changes) record(ctx, spec, args, 'success');
        return {
          content: [{ type: 'text' as const, text: JSON.stringify(data, null, 2) }],
          structuredContent: data as Record<string, unknown>,
        };
      } catch (err) {
        const error = toToolError(err, spec.notFound, ctx.conn);
        if (changes)
          record(ctx, spec, args, error.code === 'permission_denied' ? 'denied' : 'failure', {
            code: error.code,
          });
        return toolErrorResult(error);
      }
    }) as never,
  );
}

function record<I extends z.ZodObject, O extends z.ZodObject>(
  ctx: ToolContext,
  spec: ToolSpec<I, O>,
  args: z.infer<I>,
  outcome: 'success' | 'failure' | 'denied',
  extra: Record<string, unknown> = {},
): void {
  ctx.audit?.record({
    actor: ctx.actor,
    action: `mcp.${spec.name}`,
    resource: spec.resource?.(args) ?? `tool/${spec.name}`,
    outcome,
    details: { arguments: args, ...extra },
  });
}
