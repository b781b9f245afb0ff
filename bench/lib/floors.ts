/**
 * The floors of the data-plane targets, from paths measured in the same run as the forwarders: what the least a
 * forwarder does costs on this machine, beside each target it bounds. A target below its floor cannot be met here by
 * any forwarder of that kind, however lean.
 */
import { ratio } from './stats.ts';

type Dir = 'download' | 'upload';
type Pair = { kubefwd: number | null; kubectl: number | null };
type Figures = { mbps: number | null; cpu_s_per_gb: number | null };
type ByDir<T> = Partial<Record<Dir, T>>;

export function floorLines(data: Record<string, unknown>): string[] {
  const cpu = (data.cpu_s_per_gb ?? {}) as ByDir<Pair>;
  const node = (data.node_tls_relay ?? {}) as ByDir<Figures>;
  const native = (data.native_tls_relay ?? {}) as ByDir<Figures>;
  const bareMoved = (data.bare_forwarder_transfer ?? {}) as ByDir<Figures | null>;
  const rate = (dir: Dir) => (data[`throughput_${dir}_mbps`] ?? {}) as Pair;
  const raw = (dir: Dir) => data[`sim_raw_spdy_${dir}_mbps`] as number | null | undefined;
  const cp = (data.connect_p50_ms ?? {}) as Pair;
  const bare = data.bare_forwarder_connect as { p50_ms: number | null } | undefined;
  const bareCurl = data.bare_forwarder_connect_curl as { p50_ms: number | null } | undefined;
  const curl = (data.connect_curl_p50_ms ?? {}) as Pair;
  const hol = (data.hol_p99_ratio ?? {}) as { direct?: number | null };
  // The rate the kubefwd path would have had, had the daemon cost `cost` CPU seconds per GB: on shared cores a path's
  // rate is its cores busy over its machine CPU per GB.
  const machine = (data.machine_cpu_s_per_gb ?? {}) as ByDir<Pair>;
  const busy = (data.machine_cores_busy ?? {}) as ByDir<Pair>;
  const pathAt = (dir: Dir, cost: number | null | undefined): number | null => {
    const m = machine[dir]?.kubefwd;
    const c = cpu[dir]?.kubefwd;
    const b = busy[dir]?.kubefwd;
    return m && c && cost && b ? (b * 1000) / (m - c + cost) : null;
  };
  const perGb = (dir: Dir, r: ByDir<Figures | null>): string =>
    ratio(r[dir]?.cpu_s_per_gb, cpu[dir]?.kubectl);
  const rates = (dir: Dir, mbps: number | null | undefined): string =>
    `${ratio(mbps, rate(dir).kubectl)} kubectl, ${ratio(mbps, raw(dir))} raw`;
  return [
    '- floors measured in this run, beside the targets they bound:',
    `  - 1. CPU per GB ≤ 0.6× kubectl: kubefwd ${ratio(cpu.download?.kubefwd, cpu.download?.kubectl)} / ${ratio(cpu.upload?.kubefwd, cpu.upload?.kubectl)} (down / up); the bare forwarder (the least a Node.js port-forward client does) ${perGb('download', bareMoved)} / ${perGb('upload', bareMoved)}; a bare TLS relay with no port-forward protocol, in Node.js ${perGb('download', node)} / ${perGb('upload', node)}, in C ${perGb('download', native)} / ${perGb('upload', native)}`,
    `  - 2. download ≥ 1.25× kubectl: our raw SPDY client straight to the simulator (no local hop, no curl) ${ratio(raw('download'), rate('download').kubectl)} kubectl; the bare forwarder ${rates('download', bareMoved.download?.mbps)}; the kubefwd path with a forwarder that cost what Node.js's bare TLS relay costs per GB (its machine CPU per GB with the relay's cost in place of the daemon's, at its cores busy) ${ratio(pathAt('download', node.download?.cpu_s_per_gb), rate('download').kubectl)} kubectl (the relays' own rates are not a floor: their upstream is no simulated kubelet)`,
    `  - 2. upload ≥ 1.25× kubectl, ≥ 0.9× raw: kubefwd ${rates('upload', rate('upload').kubefwd)}; the bare forwarder ${rates('upload', bareMoved.upload?.mbps)}; the kubefwd path with a forwarder that cost what the C relay costs per GB ${rates('upload', pathAt('upload', native.upload?.cpu_s_per_gb))}`,
    `  - 3. connect p50 ≤ 0.5× kubectl: the bare forwarder ${ratio(bare?.p50_ms, cp.kubectl)} kubectl, kubefwd ${ratio(cp.kubefwd, cp.kubectl)}; with curl, until the answer, ${ratio(bareCurl?.p50_ms, curl.kubectl)} and ${ratio(curl.kubefwd, curl.kubectl)}`,
    `  - 4. head of line ≤ 3: the direct connection, no forwarder at all, ${hol.direct ?? 'n/a'}`,
  ];
}
