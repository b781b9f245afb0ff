import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubefwdClient, type KubefwdClient } from '../../../src/client/index.ts';
import { createTuiActions } from '../../../src/tui/client-actions.ts';
import { resourceByName } from '../../../src/sim/resources.ts';
import type { DaemonEnv } from '../../helpers/daemon.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { ADMIN_KEY, startApiDaemon } from './fixture.ts';

let env: DaemonEnv;
let client: KubefwdClient;

beforeAll(async () => {
  let base: string;
  ({ env, base } = await startApiDaemon('one'));
  client = createKubefwdClient({ baseUrl: base, apiKey: ADMIN_KEY });
});
afterAll(async () => {
  await env.close();
});

/** The terminal UI's actions over the typed client, as its store makes them. */
const tuiActions = (podLogMs?: number) =>
  createTuiActions({
    client,
    refresh: () => undefined,
    notify: () => undefined,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    ...(podLogMs === undefined ? {} : { podLogMs }),
  });

describe('pod log follow (SSE)', () => {
  it('sends the last lines, then a line the pod writes after the follow started, and ends when the pod goes', async () => {
    const core = env.sim.cluster();
    core.logs.write('alpha', 'web-0', 'web', 'written before');
    const lines: string[] = [];
    let ends = 0;
    const follower = client.podLog({
      namespace: 'alpha',
      pod: 'web-0',
      context: 'one',
      tailLines: 1,
      onLine: (l) => lines.push(l),
      onEnd: () => ends++,
    });
    await follower.opened;
    await waitFor(() => lines.includes('written before'), {
      timeoutMs: 5000,
      message: () => lines.join('\n'),
    });
    expect(lines).toEqual(['written before']);
    core.logs.write('alpha', 'web-0', 'web', 'written after the follow started');
    await waitFor(() => lines.length === 2, { timeoutMs: 5000, message: () => lines.join('\n') });
    expect(lines[1]).toBe('written after the follow started');
    const podDef = resourceByName.get('pods');
    if (!podDef) throw new Error('no pods resource in the simulator');
    core.remove(podDef, 'alpha', 'web-0', {
      gracePeriodSeconds: 0,
    });
    await waitFor(() => ends === 1, { timeoutMs: 5000, message: () => 'the stream did not end' });
    follower.close();
  });

  it('stops following the pod when the client closes the stream', async () => {
    const core = env.sim.cluster();
    const lines: string[] = [];
    const follower = client.podLog({ namespace: 'gamma', pod: 'web-0', onLine: (l) => lines.push(l) });
    await follower.opened;
    await waitFor(() => core.logs.followers('gamma', 'web-0', 'web') === 1, { timeoutMs: 5000 });
    follower.close();
    await waitFor(() => core.logs.followers('gamma', 'web-0', 'web') === 0, {
      timeoutMs: 5000,
      message: () => 'the daemon still follows the pod after its client left',
    });
  });

  it("feeds the terminal UI's Logs tab: a line written after it opened shows, over the one stream it holds", async () => {
    const core = env.sim.cluster();
    const actions = tuiActions();
    let shown: string[] = [];
    const stop = actions.followPodLogs({ namespace: 'gamma', name: 'web-0', context: 'one' }, (lines) => {
      shown = lines;
    });
    try {
      await waitFor(() => core.logs.followers('gamma', 'web-0', 'web') === 1, { timeoutMs: 5000 });
      await waitFor(() => shown.length > 0, { timeoutMs: 5000, message: () => 'no history shown' });
      core.logs.write('gamma', 'web-0', 'web', 'a line for the Logs tab');
      await waitFor(() => shown.at(-1) === 'a line for the Logs tab', {
        timeoutMs: 5000,
        message: () => shown.join('\n'),
      });
    } finally {
      stop();
    }
    await waitFor(() => core.logs.followers('gamma', 'web-0', 'web') === 0, { timeoutMs: 5000 });
  });

  it('tells the Logs tab when the stream ended and follows again, reporting the pod gone', async () => {
    const core = env.sim.cluster();
    const actions = tuiActions(50);
    const errors: string[] = [];
    let shown: string[] = [];
    const stop = actions.followPodLogs(
      { namespace: 'gamma', name: 'web-0', context: 'one' },
      (lines, error) => {
        shown = lines;
        if (error) errors.push(error);
      },
    );
    try {
      await waitFor(() => shown.length > 0, { timeoutMs: 5000, message: () => 'no history shown' });
      const podDef = resourceByName.get('pods');
      if (!podDef) throw new Error('no pods resource in the simulator');
      core.remove(podDef, 'gamma', 'web-0', { gracePeriodSeconds: 0 });
      await waitFor(
        () => errors.includes('following logs of pod "gamma/web-0" (context "one"): pod "web-0" not found'),
        {
          timeoutMs: 5000,
          message: () => errors.join('\n'),
        },
      );
      expect(errors[0]).toBe('log stream ended; following again');
      expect(shown.length).toBeGreaterThan(0);
    } finally {
      stop();
    }
  });

  it('answers a missing pod and follow with previous in the envelope, before any stream', async () => {
    const missing = client.podLog({ namespace: 'alpha', pod: 'nobody', onLine: () => undefined });
    await expect(missing.opened).rejects.toMatchObject({ code: 'K8S_NOT_FOUND', status: 404 });
    const res = await fetch(
      `${client.baseUrl}/api/v1/kubernetes/pods/alpha/web-0/logs?follow=true&previous=true`,
      { headers: { Authorization: `Bearer ${ADMIN_KEY}` } },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });
});
