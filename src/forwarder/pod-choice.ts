import type { PodCandidate } from '../cluster/pods.ts';

/** What a forward needs to know of a pod (the cluster room's candidate carries more). */
export type ForwardPod = Pick<
  PodCandidate,
  'namespace' | 'name' | 'uid' | 'ready' | 'terminating' | 'containerPorts' | 'creationTimestamp'
>;

/**
 * Picks the pod new connections go to, given the candidates, the pod in use, and the target ports to resolve.
 * Returning undefined means "none fit": connections wait, the forward is pending.
 */
export type PodChooser = (
  pods: readonly ForwardPod[],
  current: ForwardPod | undefined,
  targetPorts: ReadonlyArray<number | string>,
) => ForwardPod | undefined;

/** A numeric target is the pod port; a name is looked up in the pod's container ports. */
export function resolvePodPort(pod: ForwardPod, target: number | string): number | undefined {
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  return pod.containerPorts[target];
}

const usable = (p: ForwardPod): boolean => p.ready && !p.terminating;
const resolvedCount = (p: ForwardPod, targets: ReadonlyArray<number | string>): number =>
  targets.reduce<number>((n, t) => n + (resolvePodPort(p, t) === undefined ? 0 : 1), 0);
const oldestFirst = (a: ForwardPod, b: ForwardPod): number =>
  a.creationTimestamp.localeCompare(b.creationTimestamp) || a.name.localeCompare(b.name);

/**
 * The pods that may take new connections: ready, not terminating, and among those the ones that resolve the most
 * target ports (a pod without a named port cannot serve it); oldest first, then by name, so every restart of the
 * daemon orders them the same.
 */
export function eligiblePods(
  pods: readonly ForwardPod[],
  targetPorts: ReadonlyArray<number | string>,
): ForwardPod[] {
  let best: ForwardPod[] = [];
  let bestCount = 0;
  for (const p of pods) {
    if (!usable(p)) continue;
    const n = resolvedCount(p, targetPorts);
    if (n === 0 && targetPorts.length > 0) continue;
    if (n > bestCount) {
      best = [p];
      bestCount = n;
    } else if (n === bestCount) best.push(p);
  }
  return best.sort(oldestFirst);
}

/**
 * The first of the eligible pods; the current pod is kept while it qualifies so connections do not hop between
 * replicas.
 */
export const choosePod: PodChooser = (pods, current, targetPorts) => {
  const best = eligiblePods(pods, targetPorts);
  if (current) {
    const kept = best.find((p) => p.uid === current.uid && p.name === current.name);
    if (kept) return kept;
  }
  return best[0];
};

/** For a headless service's per-pod forward: only that pod, and only while it is usable. */
export function pinPod(name: string): PodChooser {
  return (pods, _current, targetPorts) =>
    choosePod(
      pods.filter((p) => p.name === name),
      undefined,
      targetPorts,
    );
}
