/**
 * The floors of the data-plane targets, from paths measured in the same run as the forwarders: what the least a
 * forwarder does costs on this machine, beside each target it bounds. A target below its floor cannot be met here by
 * any forwarder of that kind, however lean.
 */
import { ratio } from './stats.ts';

type Pair = { kubefwd: number | null; kubectl: number | null };
type Relay = Partial<Record<'download' | 'upload', { mbps: number | null; cpu_s_per_gb: number | null }>>;

export function floorLines(data: Record<string, unknown>): string[] {
  const cpu = (data.cpu_s_per_gb ?? {}) as Partial<Record<'download' | 'upload', Pair>>;
  const node = (data.node_tls_relay ?? {}) as Relay;
  const native = (data.native_tls_relay ?? {}) as Relay;
  const dl = (data.throughput_download_mbps ?? {}) as Pair;
  const rawDl = data.sim_raw_spdy_download_mbps as number | null | undefined;
  const cp = (data.connect_p50_ms ?? {}) as Pair;
  const bare = data.bare_forwarder_connect as { p50_ms: number | null } | undefined;
  const bareCurl = data.bare_forwarder_connect_curl as { p50_ms: number | null } | undefined;
  const curl = (data.connect_curl_p50_ms ?? {}) as Pair;
  const hol = (data.hol_p99_ratio ?? {}) as { direct?: number | null };
  // The download rate of the kubefwd path had the daemon cost what Node.js's bare relay costs per GB: on shared cores
  // a path's rate is its cores busy over its machine CPU per GB.
  const machine = (data.machine_cpu_s_per_gb ?? {}) as Partial<Record<'download', Pair>>;
  const busy = (data.machine_cores_busy ?? {}) as Partial<Record<'download', Pair>>;
  const m = machine.download?.kubefwd;
  const c = cpu.download?.kubefwd;
  const relayCost = node.download?.cpu_s_per_gb;
  const b = busy.download?.kubefwd;
  const relayPath = m && c && relayCost && b ? (b * 1000) / (m - c + relayCost) : null;
  const perGb = (dir: 'download' | 'upload', r: Relay): string =>
    ratio(r[dir]?.cpu_s_per_gb, cpu[dir]?.kubectl);
  return [
    '- floors measured in this run, beside the targets they bound:',
    `  - 1. CPU per GB ≤ 0.6× kubectl: kubefwd ${ratio(cpu.download?.kubefwd, cpu.download?.kubectl)} / ${ratio(cpu.upload?.kubefwd, cpu.upload?.kubectl)} (down / up); a bare TLS relay with no port-forward protocol, in Node.js ${perGb('download', node)} / ${perGb('upload', node)}, in C ${perGb('download', native)} / ${perGb('upload', native)}`,
    `  - 2. download ≥ 1.25× kubectl: our raw SPDY client straight to the simulator (no local hop, no curl) ${ratio(rawDl, dl.kubectl)} kubectl; the kubefwd path with a forwarder that cost what Node.js's bare TLS relay costs per GB (its machine CPU per GB with the relay's cost in place of the daemon's, at its cores busy) ${ratio(relayPath, dl.kubectl)} kubectl (the relays' own rates are not a floor: their upstream is no simulated kubelet)`,
    `  - 3. connect p50 ≤ 0.5× kubectl: the bare forwarder (the least a Node.js port-forward client does per connection) ${ratio(bare?.p50_ms, cp.kubectl)} kubectl, kubefwd ${ratio(cp.kubefwd, cp.kubectl)}; with curl, until the answer, ${ratio(bareCurl?.p50_ms, curl.kubectl)} and ${ratio(curl.kubefwd, curl.kubectl)}`,
    `  - 4. head of line ≤ 3: the direct connection, no forwarder at all, ${hol.direct ?? 'n/a'}`,
  ];
}
