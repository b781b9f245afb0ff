/**
 * The OpenAPI v2 document in the protobuf form kubectl 1.27 and 1.28 insist on
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, the `openapi.v2.Document` message of gnostic).
 * Only the parts our documents use are encoded: info, paths with their operations, parameters, responses and vendor
 * extensions, and definitions with $ref, type, format, required, properties, items, additionalProperties and
 * vendor extensions (carried as YAML text, which JSON is).
 */
type Doc = Record<string, unknown>;

class Writer {
  parts: Buffer[] = [];
  #tag(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }
  #varint(n: number): void {
    const bytes: number[] = [];
    while (n > 127) {
      bytes.push((n % 128) | 128);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
    this.parts.push(Buffer.from(bytes));
  }
  bytes(field: number, b: Buffer): this {
    this.#tag(field, 2);
    this.#varint(b.length);
    this.parts.push(b);
    return this;
  }
  str(field: number, s: unknown): this {
    return typeof s === 'string' && s !== '' ? this.bytes(field, Buffer.from(s)) : this;
  }
  strs(field: number, list: unknown): this {
    if (Array.isArray(list)) for (const s of list) this.str(field, s);
    return this;
  }
  bool(field: number, b: unknown): this {
    if (b === true) {
      this.#tag(field, 0);
      this.#varint(1);
    }
    return this;
  }
  msg(field: number, w: Writer | undefined): this {
    return w ? this.bytes(field, w.done()) : this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const w = (): Writer => new Writer();
const named = (name: string, value: Writer): Writer => w().str(1, name).msg(2, value);

function extensions(field: number, obj: Doc, out: Writer): void {
  for (const [k, v] of Object.entries(obj))
    if (k.startsWith('x-')) out.msg(field, named(k, w().str(2, JSON.stringify(v))));
}

function schema(s: Doc): Writer {
  const out = w().str(1, s.$ref).str(2, s.format).str(4, s.description).strs(19, s.required);
  const ap = s.additionalProperties;
  if (ap && typeof ap === 'object') out.msg(21, w().msg(1, schema(ap as Doc)));
  else if (ap === true) out.msg(21, w().bool(2, true));
  if (typeof s.type === 'string') out.msg(22, w().str(1, s.type));
  if (s.items && typeof s.items === 'object') out.msg(23, w().msg(1, schema(s.items as Doc)));
  if (s.properties && typeof s.properties === 'object') {
    const props = w();
    for (const [k, v] of Object.entries(s.properties as Doc)) props.msg(1, named(k, schema(v as Doc)));
    out.msg(25, props);
  }
  extensions(31, s, out);
  return out;
}

function parameter(p: Doc): Writer {
  if (p.in === 'body')
    return w().msg(
      1,
      w().msg(
        1,
        w()
          .str(2, p.name)
          .str(3, p.in)
          .bool(4, p.required)
          .msg(5, schema(p.schema as Doc)),
      ),
    );
  const sub = p.in === 'path' ? 4 : 3;
  const typeField = p.in === 'path' ? 5 : 6;
  return w().msg(
    1,
    w().msg(2, w().msg(sub, w().bool(1, p.required).str(2, p.in).str(4, p.name).str(typeField, p.type))),
  );
}

function operation(op: Doc): Writer {
  const out = w().str(5, op.operationId).strs(6, op.produces).strs(7, op.consumes);
  for (const p of (op.parameters as Doc[] | undefined) ?? []) out.msg(8, parameter(p));
  const responses = w();
  for (const [code, r] of Object.entries((op.responses as Record<string, Doc> | undefined) ?? {})) {
    const response = w().str(1, r.description);
    if (r.schema) response.msg(2, w().msg(1, schema(r.schema as Doc)));
    responses.msg(1, named(code, w().msg(1, response)));
  }
  out.msg(9, responses);
  extensions(13, op, out);
  return out;
}

const METHODS: Array<[string, number]> = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['patch', 8],
];

export function encodeOpenApiV2(doc: Doc): Buffer {
  const info = (doc.info ?? {}) as Doc;
  const paths = w();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Doc>)) {
    const pi = w();
    for (const [m, field] of METHODS) if (item[m]) pi.msg(field, operation(item[m] as Doc));
    for (const p of (item.parameters as Doc[] | undefined) ?? []) pi.msg(9, parameter(p));
    paths.msg(2, named(path, pi));
  }
  const defs = w();
  for (const [name, s] of Object.entries((doc.definitions ?? {}) as Record<string, Doc>))
    defs.msg(1, named(name, schema(s)));
  return w()
    .str(1, doc.swagger)
    .msg(2, w().str(1, info.title).str(2, info.version))
    .msg(8, paths)
    .msg(9, defs)
    .done();
}
