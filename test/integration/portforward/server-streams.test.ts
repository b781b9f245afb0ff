import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SpdyPortForwardSession } from '../../../src/portforward/spdy-client.ts';
import { RST } from '../../../src/portforward/spdy/frames.ts';
import { SpdySession, type SpdyStream } from '../../../src/portforward/spdy/session.ts';
import { upgradeRequest } from '../../../src/portforward/upgrade.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { ECHO_PORT, readAll, startFixture, type Fixture } from './fixture.ts';

let fx: Fixture | undefined;
let session: SpdySession | undefined;
afterEach(async () => {
  session?.destroy();
  await fx?.close();
  fx = session = undefined;
});

/** A bare SPDY client session, to send the server what our dialer never would. */
async function rawSession(options: { streamCreationTimeoutMs?: number } = {}): Promise<SpdySession> {
  fx = await startFixture(options);
  const { socket, head } = await upgradeRequest({ url: fx.url, protocol: 'spdy', ports: [] }, 'POST', {
    Upgrade: 'SPDY/3.1',
    'X-Stream-Protocol-Version': 'portforward.k8s.io',
  });
  if (head.length > 0) socket.unshift(head);
  session = new SpdySession(socket, { isServer: false });
  return session;
}

const resetOf = async (stream: SpdyStream): Promise<number | undefined> => {
  stream.on('error', () => undefined);
  stream.resume();
  await waitFor(() => stream.destroyed);
  return stream.resetStatus;
};

describe('port-forward server streams', () => {
  it('resets streams with a bad type or port, as the kubelet does', async () => {
    const s = await rawSession();
    const badType = s.openStream({ streamType: 'stdin', port: '8080', requestID: '1' });
    const badPort = s.openStream({ streamType: 'data', port: '0', requestID: '2' });
    expect(await resetOf(badType)).toBe(RST.PROTOCOL_ERROR);
    expect(await resetOf(badPort)).toBe(RST.PROTOCOL_ERROR);
    expect(s.isClosed).toBe(false);
  });

  it('resets half a pair whose partner never comes', async () => {
    const s = await rawSession({ streamCreationTimeoutMs: 50 });
    const lonely = s.openStream({ streamType: 'data', port: String(ECHO_PORT), requestID: '7' });
    expect(await resetOf(lonely)).toBe(RST.CANCEL);
  });

  it('pairs streams of clients that send no requestID by stream id', async () => {
    const s = await rawSession();
    const error = s.openStream({ streamType: 'error', port: String(ECHO_PORT) }, { halfClosed: true });
    error.resume();
    const data = s.openStream({ streamType: 'data', port: String(ECHO_PORT) });
    const got = readAll(data);
    data.end('legacy');
    expect((await got).toString()).toBe('legacy');
  });

  it('answers PINGs and counts its sessions', async () => {
    const s = await rawSession();
    expect(await s.ping()).toBeGreaterThan(0);
    expect(fx?.pf.sessionCount()).toBe(1);
    s.destroy();
    await waitFor(() => fx?.pf.sessionCount() === 0);
  });

  it('lets a stream finish after GOAWAY, then both sides end the connection', async () => {
    const s = await rawSession();
    const error = s.openStream(
      { streamType: 'error', port: String(ECHO_PORT), requestID: '1' },
      { halfClosed: true },
    );
    error.resume();
    const data = s.openStream({ streamType: 'data', port: String(ECHO_PORT), requestID: '1' });
    const got = readAll(data);
    const closed = s.close();
    expect(() => s.openStream({ streamType: 'data', port: '1' })).toThrow(/closed/);
    data.end('after goaway');
    expect((await got).toString()).toBe('after goaway');
    await closed;
    expect(s.closeError).toBeNull();
    await waitFor(() => fx?.pf.sessionCount() === 0);
  });

  it('resets an error stream the server never ends, a while after its data stream closed', async () => {
    // A server that echoes data streams but leaves every error stream open.
    const server = net.createServer((socket) => {
      const peer = new SpdySession(socket, { isServer: true });
      peer.on('stream', (stream: SpdyStream) => {
        stream.on('error', () => undefined);
        if (stream.headers.streamtype === 'data') stream.pipe(stream);
        else stream.resume();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new SpdyPortForwardSession(new SpdySession(socket, { isServer: false }), {
      protocol: 'spdy',
      pingIntervalMs: 0,
      pingTimeoutMs: 1000,
    });
    try {
      const conn = client.open(ECHO_PORT);
      const got = readAll(conn.data);
      conn.data.end('bye');
      expect((await got).toString()).toBe('bye');
      await waitFor(() => conn.data.destroyed);
      expect(client.streamCount).toBe(1); // the error stream, waiting for the server's FIN
      expect(await conn.error).toBeNull();
      expect(client.resetsSent).toBe(1);
      expect(client.streamCount).toBe(0);
    } finally {
      client.destroy();
      server.close();
    }
  });
});
