import { ClusterTopology } from "../topology/cluster.js";
import type { Fault, FaultContext, FaultRecord } from "./types.js";

/**
 * Live resharding under load: `redis-cli --cluster reshard` moves `slots` slots from the primary to another master,
 * key by key (MIGRATE), while clients keep writing: they meet ASK during a slot's migration and MOVED after it. The
 * fault lasts as long as the command; the redirections the servers sent meanwhile are counted (INFO errorstats).
 */
export class ReshardFault implements Fault {
  readonly kind = "reshard";
  constructor(private readonly slots: number) {}

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const topology = ctx.topology;
    if (!(topology instanceof ClusterTopology)) throw new Error("resharding needs a cluster topology");
    const from = await topology.primary();
    const lines = await topology.clusterNodes();
    const fromId = await topology.idOf(from);
    const to = lines.find((l) => l.flags.includes("master") && l.id !== fromId && !l.flags.includes("fail"));
    if (!to) throw new Error("no other master to move slots to");
    const peer = topology.peerLinks.get(from.name)!;
    const before = await topology.redirections();
    const record: FaultRecord = { kind: this.kind, requestedAtMs: ctx.clock(), tookEffectAtMs: null, healedAtMs: null, details: {} };
    record.tookEffectAtMs = ctx.clock();
    ctx.phases.markFaultStart(record.tookEffectAtMs);
    ctx.timeline.add("fault-injected", { fault: this.kind, from: from.name, to: topology.nodeByPort(to.port)?.name, slots: this.slots }, record.tookEffectAtMs);
    const r = await from.control
      .exec([
        "redis-cli", "--cluster", "reshard", `${topology.faultLayer.ip}:${peer.innerPort}`,
        "--cluster-from", fromId, "--cluster-to", to.id, "--cluster-slots", String(this.slots), "--cluster-yes",
      ])
      .catch((err: Error) => ({ exitCode: -1, output: err.message }));
    record.healedAtMs = ctx.clock();
    ctx.phases.markFaultEnd(record.healedAtMs);
    ctx.timeline.add("fault-healed", { fault: this.kind, exitCode: r.exitCode }, record.healedAtMs);
    const after = await topology.redirections();
    if (r.exitCode !== 0) record.error = `redis-cli --cluster reshard failed: ${r.output.trim().split("\n").slice(-3).join(" | ")}`;
    record.details = {
      from: from.name,
      to: topology.nodeByPort(to.port)?.name,
      slots: this.slots,
      reshardMs: Math.round(record.healedAtMs - record.tookEffectAtMs),
      movedReplies: after.moved - before.moved,
      askReplies: after.ask - before.ask,
    };
    return record;
  }
}
