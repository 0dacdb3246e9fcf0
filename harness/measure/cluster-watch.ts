import { slotCount } from "../topology/cluster-nodes.js";
import { need, type ClusterControl } from "../topology/types.js";
import type { Probe, ProbeContext } from "./probe.js";

/**
 * The cluster's own view on the timeline: each node's cluster_state (CLUSTER INFO), and from CLUSTER NODES as the first
 * answering node sees it, every change of a node's flags (pfail, fail, master, slave), of its config epoch (a
 * promotion bumps it) and of the number of slots it serves (resharding, failover), polled until stopped. Contributes
 * the MOVED and ASK replies the servers sent during the load.
 */
export class ClusterWatch implements Probe<{ redirections: { moved: number; ask: number } | null }> {
  readonly name = "cluster-watch";
  private readonly cluster: ClusterControl;
  private readonly states = new Map<string, string>();
  private readonly views = new Map<string, { flags: string; epoch: number; slots: number }>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private before: { moved: number; ask: number } | undefined;
  private during: { moved: number; ask: number } | null = null;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly intervalMs = 250,
  ) {
    this.cluster = need(ctx.topology.cluster, "slots", ctx.topology);
  }

  async start(): Promise<void> {
    this.before = await this.cluster.redirections();
    this.loop = (async () => {
      while (!this.stopped) {
        await this.poll();
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    })();
  }

  rebase(): void {}

  async loadFinished(): Promise<void> {
    const after = await this.cluster.redirections();
    if (this.before) this.during = { moved: after.moved - this.before.moved, ask: after.ask - this.before.ask };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  contribute() {
    return { redirections: this.during };
  }

  private async poll(): Promise<void> {
    const { topology, timeline } = this.ctx;
    for (const n of topology.nodes) {
      const info = (await n.admin.call("CLUSTER", "INFO").catch(() => null)) as string | null;
      const state = info ? (/cluster_state:(\w+)/.exec(info)?.[1] ?? "?") : "unreachable";
      if (this.states.has(n.name) && this.states.get(n.name) !== state) timeline.add("cluster-state", { node: n.name, state });
      this.states.set(n.name, state);
    }
    for (const l of await this.cluster.clusterNodes().catch(() => [])) {
      const node = this.cluster.nodeByPort(l.port)?.name ?? String(l.port);
      const now = { flags: l.flags.filter((f) => f !== "myself").join(","), epoch: l.configEpoch, slots: slotCount(l.slots) };
      const was = this.views.get(node);
      if (was) {
        if (was.flags !== now.flags) timeline.add("cluster-node-flags", { node, from: was.flags, to: now.flags });
        if (was.epoch !== now.epoch) timeline.add("cluster-config-epoch", { node, from: was.epoch, to: now.epoch });
        if (was.slots !== now.slots) timeline.add("cluster-slots", { node, from: was.slots, to: now.slots });
      }
      this.views.set(node, now);
    }
  }
}
