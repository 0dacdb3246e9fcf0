import { slotCount, parseClusterNodes } from "../topology/cluster-nodes.js";
import type { RedisNode } from "../topology/redis-node.js";
import { need, type ClusterControl } from "../topology/types.js";
import type { Probe, ProbeContext } from "./probe.js";

/**
 * The cluster's own view on the timeline: each node's cluster_state (CLUSTER INFO), and from CLUSTER NODES as an
 * answering node sees it, every change of a node's flags (pfail, fail, master, slave), of its config epoch (a promotion
 * bumps it) and of the number of slots it serves (resharding, failover). Polled in rounds; a node still busy with the
 * last question (frozen by a pause, say) is skipped rather than waited for, so one stuck node cannot hide what the
 * others see. Contributes the MOVED and ASK replies the servers sent during the load.
 */
export class ClusterWatch implements Probe<{ redirections: { moved: number; ask: number } | null }> {
  readonly name = "cluster-watch";
  private readonly cluster: ClusterControl;
  private readonly states = new Map<string, string>();
  private readonly views = new Map<string, { flags: string; epoch: number; slots: number }>();
  /** Questions still unanswered, by kind and node ("info:redis-0"). */
  private readonly busy = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
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
    this.timer = setInterval(() => this.round(), this.intervalMs);
  }

  rebase(): void {}

  async loadFinished(): Promise<void> {
    const after = await this.cluster.redirections();
    if (this.before) this.during = { moved: after.moved - this.before.moved, ask: after.ask - this.before.ask };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.busy.values());
  }

  contribute() {
    return { redirections: this.during };
  }

  /** Asks a question unless the last one of its kind to that node is still unanswered. */
  private ask(key: string, question: () => Promise<void>): void {
    if (this.busy.has(key)) return;
    this.busy.set(
      key,
      question()
        .catch(() => {})
        .finally(() => this.busy.delete(key)),
    );
  }

  private round(): void {
    const { topology, timeline } = this.ctx;
    // CLUSTER NODES from the first node that is answering; then CLUSTER INFO from every node not busy.
    const answering = (n: RedisNode) => !this.busy.has(`info:${n.name}`) && !this.busy.has(`nodes:${n.name}`) && this.states.get(n.name) !== "unreachable";
    const viewer = topology.nodes.find(answering);
    if (viewer) this.ask(`nodes:${viewer.name}`, () => this.readView(viewer));
    for (const n of topology.nodes)
      this.ask(`info:${n.name}`, async () => {
        const info = (await n.admin.call("CLUSTER", "INFO").catch(() => null)) as string | null;
        const state = info ? (/cluster_state:(\w+)/.exec(info)?.[1] ?? "?") : "unreachable";
        if (this.states.has(n.name) && this.states.get(n.name) !== state) timeline.add("cluster-state", { node: n.name, state });
        this.states.set(n.name, state);
      });
  }

  private async readView(viewer: RedisNode): Promise<void> {
    const { timeline } = this.ctx;
    const text = (await viewer.admin.call("CLUSTER", "NODES")) as string;
    for (const l of parseClusterNodes(text)) {
      const node = this.cluster.nodeAt(l.host, l.port)?.name ?? String(l.port);
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
