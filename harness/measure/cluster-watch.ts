import type { ClusterTopology } from "../topology/cluster.js";
import type { Timeline } from "./timeline.js";

/**
 * Puts the cluster's own view on the timeline: each node's cluster_state (CLUSTER INFO), and from CLUSTER NODES as the
 * first answering node sees it, every change of a node's flags (pfail, fail, master, slave), of its config epoch
 * (a promotion bumps it) and of the number of slots it serves (resharding, failover). Polls until stopped.
 */
export function watchCluster(topology: ClusterTopology, timeline: Timeline, intervalMs = 250): () => Promise<void> {
  const states = new Map<string, string>();
  const views = new Map<string, string>();
  let stopped = false;
  const poll = async () => {
    for (const n of topology.nodes) {
      const info = (await n.admin.call("CLUSTER", "INFO").catch(() => null)) as string | null;
      const state = info ? (/cluster_state:(\w+)/.exec(info)?.[1] ?? "?") : "unreachable";
      if (states.has(n.name) && states.get(n.name) !== state) timeline.add("cluster-state", { node: n.name, state });
      states.set(n.name, state);
    }
    const lines = await topology.clusterNodes().catch(() => []);
    for (const l of lines) {
      const node = topology.nodeByPort(l.port)?.name ?? String(l.port);
      const slots = l.slots.filter((r) => !r.startsWith("[")).reduce((sum, r) => {
        const [a, b] = r.split("-").map(Number);
        return sum + (b ?? a) - a + 1;
      }, 0);
      const flags = l.flags.filter((f) => f !== "myself").join(",");
      const view = `${flags}|${l.configEpoch}|${slots}`;
      const before = views.get(node);
      if (before !== undefined && before !== view) {
        const [pf, pe, ps] = before.split("|");
        if (pf !== flags) timeline.add("cluster-node-flags", { node, from: pf, to: flags });
        if (Number(pe) !== l.configEpoch) timeline.add("cluster-config-epoch", { node, from: Number(pe), to: l.configEpoch });
        if (Number(ps) !== slots) timeline.add("cluster-slots", { node, from: Number(ps), to: slots });
      }
      views.set(node, view);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
