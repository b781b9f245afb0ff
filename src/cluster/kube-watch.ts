import { STATUS_CODES } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { request } from 'undici';
import { prepareKubeRequest, type Query } from './kube-request.ts';

/** A watch that ended because nothing came for its idle timeout (as client-node's Watch names it). */
const idleError = (): Error => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/**
 * One watch request, as client-node's Watch makes it (the same URL, `watch=true`, the context's credentials and
 * kept-alive connections), read without its WHATWG stream, Node.js stream and readline layers: undici's request
 * body, split into lines here. `onEvent` gets each event's type and object; `done` is called once, when the stream
 * ends (null), fails, is aborted, or stays silent for `idleTimeoutMs` (from the request on; each chunk restarts it).
 * A refusal (not 200) is `done` with an error carrying the status in `statusCode`. Resolves with the controller that
 * aborts the watch once the request is made.
 */
export async function kubeWatch(
  kc: KubeConfig,
  path: string,
  query: Query,
  onEvent: (type: string, object: unknown) => void,
  done: (err: unknown) => void,
  idleTimeoutMs: number,
): Promise<AbortController> {
  const prepared = await prepareKubeRequest(kc, 'GET', path, { ...query, watch: true }, 'application/json');
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let finished = false;
  const finish = (err: unknown): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    controller.abort();
    done(err && timedOut ? idleError() : err);
  };
  const restart = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(idleError());
    }, idleTimeoutMs);
    timer.unref();
  };
  restart();
  try {
    const response = await request(prepared.url, {
      method: 'GET',
      headers: prepared.headers,
      dispatcher: prepared.dispatcher,
      signal: controller.signal,
    });
    if (response.statusCode !== 200) {
      response.body.resume();
      throw Object.assign(new Error(STATUS_CODES[response.statusCode] ?? 'Internal Server Error'), {
        statusCode: response.statusCode,
      });
    }
    restart();
    const body = response.body;
    body.setEncoding('utf8');
    let rest = '';
    const line = (text: string): void => {
      let event: { type?: unknown; object?: unknown };
      try {
        event = JSON.parse(text) as { type?: unknown; object?: unknown };
      } catch {
        return; // not a whole JSON line: skipped, as client-node does
      }
      try {
        onEvent(String(event.type), event.object);
      } catch (err) {
        finish(err); // the handler's failure ends this watch, and the caller's retry says why
      }
    };
    body.on('data', (chunk: string) => {
      restart();
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
        const text = rest + chunk.slice(start, nl);
        rest = '';
        start = nl + 1;
        if (text.trim()) line(text);
      }
      rest += chunk.slice(start);
    });
    body.on('end', () => {
      if (rest.trim()) line(rest);
      finish(null);
    });
    body.on('error', finish);
    body.on('close', () => finish(null));
  } catch (err) {
    finish(err);
  }
  return controller;
}
