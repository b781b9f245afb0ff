import {
  BULK_BYTES,
  ERROR_SETTLE_MS,
  guardedTap,
  onErrorText,
  settled,
  type Conn,
  type ConnectionHooks,
  type ConnectionTap,
  type ConnectionTarget,
} from './connection-splice.ts';

/**
 * Splices an accepted connection straight to the pod's session when its protocol can (SPDY, direct or tunnelled:
 * PortForwardSession.splice), with the contract of spliceConnection: the pod's bytes flow back in batches, the end of
 * either side half-closes the other, and the pod side's error text resets the client. Returns false when the session
 * cannot splice (the caller opens a stream instead); a session that takes no new streams throws.
 */
export function spliceSocket(conn: Conn, target: ConnectionTarget, hooks: ConnectionHooks): boolean {
  const { session } = target;
  if (!session.splice) return false;
  const { socket } = conn;
  let seen: ConnectionTap | undefined;
  let worked = target.worked;
  const bulk = target.bulk;
  let left = bulk ? BULK_BYTES : Infinity;
  let failed = false;
  const end = (): void => {
    if (!failed && !socket.destroyed) socket.end();
  };
  const spliced = session.splice(target.podPort, socket, {
    fromPod(piece) {
      if (worked) {
        const once = worked;
        worked = undefined;
        once();
      }
      seen?.server(piece);
      if ((left -= piece.length) <= 0 && bulk) {
        left = Infinity;
        bulk();
      }
    },
    fromClient(chunk) {
      seen?.client(chunk);
    },
    // A reset pod side may have been refused or cut: its error text settles a moment later and decides between a
    // reset and an end.
    reset() {
      settled(spliced.error, ERROR_SETTLE_MS).then(end, end);
    },
  });
  conn.data = spliced.pod;
  conn.untrack = target.track?.(socket);
  const tap = hooks.tap?.(target.forwardKey, target.pod);
  if (tap) {
    const guarded = guardedTap(tap);
    seen = guarded;
    socket.once('close', () => guarded.end());
  }
  onErrorText(spliced.error, socket, target, hooks, () => (failed = true));
  return true;
}
