import net from 'node:net';
import type { Duplex } from 'node:stream';
import { backendKindFor, refusedText, startBackend, targetBackend, type Backend } from './backends.ts';
import type { KObject, Store } from './store.ts';

interface PodSpecLike {
  containers?: Array<{
    name: string;
    ports?: Array<{ containerPort: number; name?: string; protocol?: string }>;
  }>;
  nodeName?: string;
}

/**
 * "Runs" pods: real loopback servers per container port, a Running phase and readiness (optionally delayed), and
 * replacements for pods marked like a ReplicaSet's.
 */
export class PodRuntime {
  #store: Store;
  #backends = new Map<string, Map<number, Backend>>();
  #timers = new Set<NodeJS.Timeout>();
  #ipCounter = 0;
  onPodGone: ((namespace: string, name: string) => void) | undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Called for every pod the API creates: fills status and starts backends. */
  async run(pod: KObject): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name;
    const spec = (pod.spec ?? {}) as PodSpecLike;
    const ports = new Map<number, Backend>();
    this.#backends.set(`${ns}/${name}`, ports);
    for (const c of spec.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (ports.has(p.containerPort)) continue;
        const target = pod.metadata.annotations?.[`kubefwd.sim/target-${p.containerPort}`];
        const kind = backendKindFor(pod.metadata.annotations, p.containerPort);
        ports.set(
          p.containerPort,
          target !== undefined
            ? targetBackend(target)
            : await startBackend(kind, {
                pod: name,
                namespace: ns,
                container: c.name,
                port: p.containerPort,
              }),
        );
      }
    }
    if (this.#backends.get(`${ns}/${name}`) !== ports) {
      for (const b of ports.values()) b.close();
      return;
    }
    const delay = Number(pod.metadata.annotations?.['kubefwd.sim/ready-after-ms'] ?? 0);
    this.#setStatus(ns, name, delay <= 0);
    if (delay > 0) {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.#setStatus(ns, name, true);
      }, delay);
      t.unref();
      this.#timers.add(t);
    }
  }

  #setStatus(ns: string, name: string, ready: boolean): void {
    const pod = this.#store.get('pods', ns, name);
    if (!pod) return;
    const n = ++this.#ipCounter;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const containers = ((pod.spec ?? {}) as PodSpecLike).containers ?? [];
    const prev = (pod.status ?? {}) as { podIP?: string };
    pod.status = {
      phase: 'Running',
      hostIP: '10.0.0.1',
      podIP: prev.podIP ?? `10.244.${(n >> 8) & 255}.${n & 255}`,
      startTime: now,
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        ready,
        started: true,
        restartCount: 0,
        image: 'sim',
        imageID: 'sim',
        state: { running: { startedAt: now } },
      })),
    };
    (pod.spec as PodSpecLike).nodeName ??= 'sim-node';
    this.#store.update('pods', pod);
  }

  setReady(ns: string, name: string, ready: boolean): void {
    this.#setStatus(ns, name, ready);
  }

  /** Called once the pod object is gone: stops its servers (connections still on them are cut). */
  stopped(pod: KObject): void {
    const ns = pod.metadata.namespace ?? 'default';
    const ports = this.#backends.get(`${ns}/${pod.metadata.name}`);
    this.#backends.delete(`${ns}/${pod.metadata.name}`);
    for (const b of ports?.values() ?? []) b.close();
    this.onPodGone?.(ns, pod.metadata.name);
  }

  /** Called when a pod starts terminating: its servers stop keeping idle connections (they still serve). */
  draining(pod: KObject): void {
    const ports = this.#backends.get(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`);
    for (const b of ports?.values() ?? []) b.drain?.();
  }

  /** Called when a pod starts terminating: a bare pod marked like a ReplicaSet's gets its replacement at once. */
  replace(pod: KObject): void {
    const ns = pod.metadata.namespace ?? 'default';
    if (
      pod.metadata.annotations?.['kubefwd.sim/replace-on-delete'] !== 'true' ||
      !this.#store.get('namespaces', undefined, ns)
    )
      return;
    const base = pod.metadata.generateName ?? `${pod.metadata.name.replace(/-[a-z0-9]{5}$/, '')}-`;
    const replacement: KObject = {
      metadata: {
        name: '',
        generateName: base,
        namespace: ns,
        labels: pod.metadata.labels,
        annotations: pod.metadata.annotations,
      },
      spec: { ...(pod.spec as object), nodeName: undefined },
    };
    const created = this.#store.create('pods', 'Pod', 'v1', replacement);
    void this.run(created);
  }

  dialer(ns: string, name: string, uid: string) {
    return {
      dial: (port: number): Promise<Duplex> => {
        const backend = this.#backends.get(`${ns}/${name}`)?.get(port);
        if (backend?.invalid)
          return Promise.reject(
            new Error(
              `error forwarding port ${port} to pod ${uid}, uid : kubefwd.sim/target-${port} is ${backend.invalid}`,
            ),
          );
        if (!backend?.port) return Promise.reject(new Error(refusedText(port, uid)));
        const { port: target, host = '127.0.0.1' } = backend;
        return new Promise((resolve, reject) => {
          // Half-open like the kubelet's connection to the pod: the pod's end leaves our side writable until the
          // client's stream ends too.
          const s = net.connect({ port: target, host, allowHalfOpen: true }, () => resolve(s));
          s.setNoDelay(true);
          s.once('error', () => reject(new Error(refusedText(port, uid))));
        });
      },
    };
  }

  backendPort(ns: string, name: string, port: number): number | undefined {
    return this.#backends.get(`${ns}/${name}`)?.get(port)?.port;
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    for (const ports of this.#backends.values()) for (const b of ports.values()) b.close();
    this.#backends.clear();
  }
}
