import { isKubefwdError } from '../errors.ts';
import { PortForwardDialError } from '../portforward/types.ts';

/** A coarse, stable cause for a forward error, so clients can react without parsing kubelet or socket text. */
export type ErrorClassification =
  | 'connection-refused'
  | 'pod-gone'
  | 'no-ready-pod'
  | 'no-such-port'
  | 'port-in-use'
  | 'unauthorized'
  | 'forbidden'
  | 'timeout'
  | 'network'
  | 'upgrade-refused'
  | 'protocol'
  | 'unsupported'
  | 'other';

const BY_TEXT: Array<[RegExp, ErrorClassification]> = [
  [/connection refused|ECONNREFUSED/i, 'connection-refused'],
  // containerd and CRI-O wording when the pod's sandbox went away under a live forward.
  [
    /network namespace for sandbox|sandbox .* (is )?not (running|found)|pod .*not found|container not running/i,
    'pod-gone',
  ],
  [/no ready pod/i, 'no-ready-pod'],
  [/has no port named|no such port/i, 'no-such-port'],
  [/timed? ?out|ETIMEDOUT/i, 'timeout'],
  [/ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|socket hang up/i, 'network'],
];

/** Classifies a thrown value or the text a pod's error stream carried. */
export function classifyError(err: unknown): ErrorClassification {
  if (err instanceof PortForwardDialError) {
    switch (err.kind) {
      case 'not-found':
        return 'pod-gone';
      case 'upgrade-refused':
      case 'unauthorized':
      case 'forbidden':
      case 'timeout':
      case 'network':
      case 'protocol':
        return err.kind;
    }
  }
  if (isKubefwdError(err) && err.code === 'PORT_IN_USE') return 'port-in-use';
  const text = err instanceof Error ? err.message : String(err);
  for (const [re, c] of BY_TEXT) if (re.test(text)) return c;
  return 'other';
}
