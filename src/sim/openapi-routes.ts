import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashOf, openApiV2Document, openApiV3Document, openApiV3Index } from './openapi-docs.ts';
import { encodeOpenApiV2 } from './openapi-v2-proto.ts';
import { sendStatus } from './status.ts';

/** What kubectl asks for, and the Go-parseable type the answer carries (Go's mime parser refuses the `@`). */
const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const V2_PROTOBUF_SENT = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export interface OpenApiServer {
  /** Answers `/openapi/v2`, `/openapi/v3` and `/openapi/v3/<group-version>`; false for any other path. */
  serve(path: string, req: IncomingMessage, res: ServerResponse, version: string): boolean;
}

/** Serves the OpenAPI documents, each rendered once per server version and kept. */
export function createOpenApiServer(): OpenApiServer {
  const texts = new Map<string, string>();
  const proto = new Map<string, Buffer>();
  const v3Text = (gv: string, version: string): string | undefined => {
    const key = `${version} ${gv}`;
    let t = texts.get(key);
    if (t === undefined) {
      const doc = openApiV3Document(gv, version);
      if (!doc) return undefined;
      texts.set(key, (t = JSON.stringify(doc)));
    }
    return t;
  };
  const send = (
    res: ServerResponse,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ): void => {
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': String(Buffer.byteLength(body)),
      Vary: 'Accept',
      ...extra,
    });
    res.end(body);
  };
  return {
    serve(path, req, res, version) {
      if (path === '/openapi/v2') {
        const doc = openApiV2Document(version);
        if ((req.headers.accept ?? '').includes(V2_PROTOBUF)) {
          let buf = proto.get(version);
          if (!buf) proto.set(version, (buf = encodeOpenApiV2(doc)));
          send(res, V2_PROTOBUF_SENT, buf, { ETag: `"${hashOf(buf.toString('latin1')).slice(0, 32)}"` });
        } else send(res, 'application/json', JSON.stringify(doc));
        return true;
      }
      if (path === '/openapi/v3') {
        send(res, 'application/json', JSON.stringify(openApiV3Index((gv) => v3Text(gv, version) ?? '')));
        return true;
      }
      if (path.startsWith('/openapi/v3/')) {
        const text = v3Text(path.slice('/openapi/v3/'.length), version);
        if (text === undefined) sendStatus(res, 404, 'the server could not find the requested resource');
        else
          send(res, 'application/json', text, {
            ETag: `"${hashOf(text)}"`,
            'Cache-Control': 'public, immutable',
          });
        return true;
      }
      return false;
    },
  };
}
