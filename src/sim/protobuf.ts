/**
 * Just enough of Kubernetes' protobuf encoding to read the SelfSubjectAccessReview that `kubectl auth can-i` sends
 * (typed clients send protobuf): the `k8s\0` envelope, an Unknown wrapper, and length-delimited fields.
 */
type Fields = Map<number, Buffer[]>;

/** One base-128 varint at `off`: its value and the offset after it. */
export function readVarint(buf: Buffer, off: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (off >= buf.length) throw new Error('truncated varint');
    const b = buf[off++] as number;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, off];
    shift += 7;
  }
}

export function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let off = 0;
  while (off < buf.length) {
    const [tag, next] = readVarint(buf, off);
    off = next;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      off = readVarint(buf, off)[1];
    } else if (wire === 2) {
      const [len, start] = readVarint(buf, off);
      const value = buf.subarray(start, start + len);
      off = start + len;
      const list = out.get(field) ?? [];
      list.push(value);
      out.set(field, list);
    } else if (wire === 1) off += 8;
    else if (wire === 5) off += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Fields, n: number): string => f.get(n)?.[0]?.toString('utf8') ?? '';

export function isKubernetesProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').startsWith('application/vnd.kubernetes.protobuf');
}

export function decodeAccessReview(body: Buffer): {
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
} {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('missing k8s protobuf envelope');
  const unknown = fields(body.subarray(4));
  const raw = unknown.get(2)?.[0] ?? Buffer.alloc(0);
  const review = fields(raw);
  const spec = fields(review.get(2)?.[0] ?? Buffer.alloc(0));
  const attrs = fields(spec.get(1)?.[0] ?? Buffer.alloc(0));
  return {
    namespace: str(attrs, 1),
    verb: str(attrs, 2),
    resource: str(attrs, 5),
    subresource: str(attrs, 6),
  };
}
