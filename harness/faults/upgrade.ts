import { z } from "zod";
import { imageName } from "../infra/fields.js";
import { pollUntil } from "../infra/poll.js";
import type { RedisNode } from "../topology/redis-node.js";
import { demoted, handOver, killOver, mastersWithReplicas } from "./handover.js";
import { runFault, type LiveRecord } from "./lifecycle.js";
import { cliAddress, moveSlots } from "./reshard.js";
import {
  quoteRefusal,
  REJOIN_WATCH_MS,
  RollRefused,
  rollNode,
  rollSentinel,
  settingsUnder,
  shutDown,
  syncedOrRefused,
  upOn,
  type Step,
  type UpgradeStep,
} from "./roll-node.js";
import { at } from "./targets.js";
import { defineFault, type FaultContext } from "./types.js";

export type { UpgradeStep };

export interface UpgradeDetails {
  from: string;
  to: string;
  fromVersion: string;
  toVersion: string;
  failover: "handover" | "handover-writes-paused" | "master-killed";
  mode: "rolling" | "all-at-once";
  /** The order the nodes were rolled in. */
  order: string[];
  /** The master of slot 0 (of the only shard outside a cluster) before the roll and after. */
  oldPrimary: string;
  newPrimary: string;
  /** Each shard's handover, from its old master to the node that took over. */
  handovers: Array<{ from: string; to: string }>;
  steps: UpgradeStep[];
  /** Each node's version when the roll ended. */
  versions: Record<string, string>;
  /** The node that refused the new image or what its master sent, which stopped the roll (expect: refused). */
  refused?: { node: string; how: "did not start" | "refused its master's data"; serverSaid: string | null };
  /** A replica rolled back to the old image with the data the new one saved: possible, or what the server said. */
  wayBack?: { node: string; possible: boolean; serverSaid: string | null };
  /** reshardMidRoll: slots moved from an upgraded master to one on the old image; what the servers said; the fix after the roll. */
  slotsMoved?: { from: string; to: string; slots: number; done: boolean; serverSaid: string | null; fixed?: { done: boolean; said: string | null } };
  /** The trap: the old master crashed mid-roll and came back on its old image as a replica of an upgraded master. */
  rejoinedOnOldImage?: { synced: boolean; serverSaid: string | null };
}

/**
 * A rolling upgrade under load, in the documented order: each replica in turn is shut down with a save, its container
 * replaced by one of the new image keeping its /data, its address and its published port, started, and waited for
 * until it is in sync; then the handover the topology offers (Sentinel's SENTINEL FAILOVER, or replication's FAILOVER
 * with the other replicas and the clients repointed), the same with the old master's writes paused around it, or a kill
 * of the master for comparison; then the old master, once it is a replica. A node restarted from its saved file can resume with a partial resync; which one it got is its master's
 * count. `oldMasterRejoins: before-upgrade` is the trap of a crash mid-roll: the old master, killed after the
 * failover, comes back on its old image as a replica of an upgraded master, whose RDB it cannot read.
 */
export const upgrade = defineFault({
  kind: "upgrade",
  description: "a rolling upgrade to another image under load: replicas first, a handover, then the old master",
  doc: "replicas one at a time (SHUTDOWN SAVE, the container replaced by one of `to` keeping /data, started, synced), then `SENTINEL FAILOVER` / `FAILOVER` (or a kill), then the old master; each step timed (docs/upgrades.md)",
  schema: z
    .object({
      kind: z.literal("upgrade"),
      ...at,
      /** The image every data node ends on. */
      to: imageName,
      /**
       * handover: the topology's own (SENTINEL FAILOVER, which does not stop the old master's writes: redis#13118; or
       * FAILOVER, which does; or CLUSTER FAILOVER, which does too); handover-writes-paused: CLIENT PAUSE WRITE on the
       * old master from before the handover until it is a replica (on a cluster, the same as handover); master-killed:
       * SIGKILL the master and let the topology fail over.
       */
      failover: z.enum(["handover", "handover-writes-paused", "master-killed"]).default("handover"),
      /** false: each node's new container starts empty and fetches the whole dataset from its master (no volume kept). */
      keepData: z.boolean().default(true),
      /** After the roll, one replica rolled back to the image it came from with its data: whether a way back exists. */
      wayBack: z.boolean().default(false),
      /**
       * refused: the trap of an image that cannot take the data (a migration, a rollback): the run expects a node to
       * refuse it, which stops the roll there and is its outcome; a roll that goes through instead is the fault's error.
       */
      expect: z.enum(["accepted", "refused"]).default("accepted"),
      /** before-upgrade: the old master crashes after the failover and rejoins on its old image first (the trap). */
      oldMasterRejoins: z.enum(["after-upgrade", "before-upgrade"]).default("after-upgrade"),
      /**
       * all-at-once: every data node stopped and replaced together, no handover (what an operator that updates its
       * leader and follower StatefulSets together does: OT-CONTAINER-KIT/redis-operator#951).
       */
      mode: z.enum(["rolling", "all-at-once"]).default("rolling"),
      /**
       * How each node is stopped: shutdown-save (SHUTDOWN SAVE, the documented step) or sigterm (what an orchestrator
       * sends: the server saves only if its config has save points; the harness's default config has none).
       */
      stop: z.enum(["shutdown-save", "sigterm"]).default("shutdown-save"),
      /**
       * Cluster: once the first shard is upgraded, move this many slots from its new master to a master still on the
       * old image, under load (keys MIGRATEd from the new version to the old); after the roll, `redis-cli --cluster fix`
       * where that stopped half-way.
       */
      reshardMidRoll: z.number().int().min(1).max(16384).optional(),
      /** Sentinel: after the data nodes, each Sentinel in turn on `to` too, keeping the sentinel.conf it rewrote. */
      sentinels: z.boolean().default(false),
    })
    .strict(),
  images: (s) => [s.to],
  requires: (s) => [
    { capability: "images", field: "kind", message: "containers the harness started, whose image it replaces" },
    { capability: "replicas", field: "kind", message: "replicas to roll before the master" },
    ...(s.failover === "master-killed"
      ? [{ capability: "autoFailover", field: "failover", message: "a failover of its own after the master is killed" } as const]
      : []),
    ...(s.reshardMidRoll ? [{ capability: "slots", field: "reshardMidRoll", message: "slots to move between shards" } as const] : []),
    ...(s.sentinels ? [{ capability: "sentinels", field: "sentinels", message: "Sentinels to roll" } as const] : []),
  ],
  validate: (s, setting) => [
    ...(s.failover === "master-killed" && s.oldMasterRejoins === "before-upgrade"
      ? [{ path: [...setting.path, "oldMasterRejoins"], message: "before-upgrade kills the old master after a handover: give failover: handover" }]
      : []),
    ...(s.mode === "all-at-once" && (s.failover !== "handover" || s.oldMasterRejoins !== "after-upgrade")
      ? [{ path: [...setting.path, "mode"], message: "all-at-once has no handover and no old master: leave failover and oldMasterRejoins out" }]
      : []),
  ],
  run: async (spec, ctx) => {
    const t = ctx.topology;
    const shards = await mastersWithReplicas(t);
    const [first] = shards;
    if (!first?.replicas.length) throw new Error(`${first?.master.name ?? "the primary"} has no replica to roll first`);
    const replicas = shards.flatMap((sh) => sh.replicas.map((r) => ({ r, master: sh.master })));
    const steps: UpgradeStep[] = [];
    const step = (s: UpgradeStep) => {
      steps.push(s);
      ctx.timeline.add(
        "fault-step",
        { fault: "upgrade", step: s.wayBack ? `way back: ${s.step}` : s.step, node: s.node, ...(s.version ? { note: s.version } : {}) },
        s.toMs,
      );
    };
    const paused = spec.failover === "handover-writes-paused" && !t.capabilities.has("slots");
    // A refusal is the roll's outcome where the scenario expects one; otherwise it is an error like any other.
    const refusedAsExpected = (rec: LiveRecord<UpgradeDetails>, err: unknown) => {
      if (!(err instanceof RollRefused) || spec.expect !== "refused") return false;
      rec.details.refused = { node: err.node, how: err.how, serverSaid: err.serverSaid };
      return true;
    };
    return runFault<"upgrade", UpgradeDetails>(ctx, "upgrade", {
      inject: async (rec) => {
        Object.assign(rec.details, {
          from: first.master.image,
          to: spec.to,
          failover: spec.failover,
          mode: spec.mode,
          oldPrimary: first.master.name,
          order: [...replicas.map(({ r }) => r.name), ...shards.map((sh) => sh.master.name), ...(spec.sentinels ? t.sentinels.map((s) => s.name) : [])],
          fromVersion: (await first.master.identity()).version,
          handovers: [],
          steps,
        });
        // The roll is in force from the first replica's shutdown.
        const sentAtMs = ctx.clock();
        if (spec.mode === "all-at-once") {
          await allAtOnce(ctx, shards, spec, step);
          return { nodes: t.nodes.map((n) => n.name), sentAtMs, observedAtMs: steps[0]?.toMs };
        }
        try {
          await rollNode(ctx, replicas[0].r, replicas[0].master, spec.to, step, false, spec.keepData, stopBy(spec));
        } catch (err) {
          if (!refusedAsExpected(rec, err)) throw err;
        }
        return { nodes: [replicas[0].r.name], sentAtMs, observedAtMs: steps[0]?.toMs };
      },
      heal: async (rec, injected) => {
        if (!injected) return;
        let held: RedisNode | undefined;
        try {
          if (rec.details.refused || spec.mode === "all-at-once") return;
          for (const { r, master } of replicas.slice(1)) await rollNode(ctx, r, master, spec.to, step, false, spec.keepData, stopBy(spec));
          for (const { master, replicas: theirs } of shards) {
            if (paused) held = master;
            const next = spec.failover === "master-killed" ? await killOver(ctx, master, theirs, step) : await handOver(ctx, master, theirs, paused, step);
            rec.details.handovers!.push({ from: master.name, to: next.name });
            if (master === first.master) rec.details.newPrimary = next.name;
            if (spec.failover !== "master-killed") await demoted(ctx, master, step);
            // Demoted, it answers the writes it held with READONLY: the clients send them to the new master.
            if (held) await held.admin.call("CLIENT", "UNPAUSE");
            held = undefined;
            if (spec.oldMasterRejoins === "before-upgrade") rec.details.rejoinedOnOldImage = await crashAndRejoinOnOldImage(ctx, master, next, step);
            const down = spec.failover === "master-killed" || spec.oldMasterRejoins === "before-upgrade";
            await rollNode(ctx, master, next, spec.to, step, down, spec.keepData, stopBy(spec));
            if (spec.reshardMidRoll && master === first.master && shards[1])
              rec.details.slotsMoved = await reshardMixed(ctx, next, shards[1].master, spec.reshardMidRoll, step);
          }
          if (rec.details.slotsMoved && !rec.details.slotsMoved.done) rec.details.slotsMoved.fixed = await fixCluster(ctx, step);
          if (spec.sentinels) for (const s of t.sentinels) await rollSentinel(ctx, s, spec.to, step);
          if (spec.wayBack) rec.details.wayBack = await tryWayBack(ctx, rec.details.from!, spec.to, step);
        } catch (err) {
          if (!refusedAsExpected(rec, err)) rec.fail((err as Error).message);
          // A roll that stopped half-way leaves no write held.
          await held?.admin.call("CLIENT", "UNPAUSE").catch(() => {});
        } finally {
          if (spec.expect === "refused" && !rec.details.refused) rec.fail(`a node was expected to refuse ${spec.to}, and none did: the roll went through`);
          rec.details.versions = Object.fromEntries(
            await Promise.all(
              [...t.nodes, ...(spec.sentinels ? t.sentinels : [])].map(
                async (n) => [n.name, (await n.identity().catch(() => undefined))?.version ?? "unreachable"] as const,
              ),
            ),
          );
          rec.details.toVersion = rec.details.versions[replicas[0].r.name];
        }
      },
    });
  },
  // Each step, measured apart by the report (its own table): what it cost the load.
  spans: (d) => (d.steps ?? []).map((s) => ({ label: stepLabel(s), fromMs: s.fromMs, toMs: Math.max(s.toMs, s.fromMs + 1) })),
  facts: (d) => [
    { label: "from", value: d.fromVersion ? `${d.from} (${d.fromVersion})` : d.from },
    { label: "to", value: d.toVersion ? `${d.to} (${d.toVersion})` : d.to },
    { label: "order", value: d.order?.join(" → ") },
    { label: "failover", value: d.mode === "all-at-once" ? "none: every node restarted at once" : d.failover },
    { label: "handovers", value: d.handovers?.map((h) => `${h.from} → ${h.to}`).join(", ") },
    ...(d.steps ?? []).filter((s) => s.serverSaid).map((s) => ({ label: `${s.node} (${s.step}): the server said`, value: s.serverSaid })),
    ...(d.refused
      ? [
          {
            label: `${d.refused.node} ${d.refused.how} (the outcome the scenario expects)`,
            value: d.refused.serverSaid ? `"${d.refused.serverSaid}"` : "no reason in its output",
          },
        ]
      : []),
    ...(d.wayBack
      ? [
          {
            label: `way back: ${d.wayBack.node} rolled back to ${d.from} with its data`,
            value: d.wayBack.possible ? "it ran and synced" : `refused${d.wayBack.serverSaid ? `: "${d.wayBack.serverSaid}"` : ""}`,
          },
        ]
      : []),
    ...(d.slotsMoved
      ? [
          {
            label: `${d.slotsMoved.slots} slots moved mid-roll from ${d.slotsMoved.from} (new) to ${d.slotsMoved.to} (old)`,
            value: d.slotsMoved.done ? "done" : `stopped half-way${d.slotsMoved.serverSaid ? `: "${d.slotsMoved.serverSaid}"` : ""}`,
          },
          ...(d.slotsMoved.fixed
            ? [{ label: "redis-cli --cluster fix after the roll", value: d.slotsMoved.fixed.done ? "done" : `failed: ${d.slotsMoved.fixed.said}` }]
            : []),
        ]
      : []),
    ...(d.rejoinedOnOldImage ? [{ label: "the old master on its old image synced from the upgraded master", value: d.rejoinedOnOldImage.synced }] : []),
  ],
});

type UpgradeSpec = { to: string; keepData: boolean; stop: "shutdown-save" | "sigterm" };
const stopBy = (s: UpgradeSpec) => (s.stop === "sigterm" ? "SIGTERM" : "SAVE");

/**
 * Every data node at once: all stopped together, all replaced by `to` (with /data unless keepData is false), started
 * together, each master as it was and each replica under its master; then waited for until every replica is in sync.
 * The masters come back with what their stop saved, and the replicas take what the masters have.
 */
async function allAtOnce(ctx: FaultContext, shards: Awaited<ReturnType<typeof mastersWithReplicas>>, spec: UpgradeSpec, step: Step): Promise<void> {
  const nodes = shards.flatMap((sh) => [{ n: sh.master, master: sh.master }, ...sh.replicas.map((n) => ({ n, master: sh.master }))]);
  const downFrom = ctx.clock();
  await Promise.all(nodes.map(({ n }) => shutDown(n, stopBy(spec))));
  for (const { n } of nodes) step({ node: n.name, step: "down", fromMs: downFrom, toMs: ctx.clock() });
  const upFrom = ctx.clock();
  await Promise.all(nodes.map(({ n, master }) => n.replaceImage(spec.to, settingsUnder(ctx, n, master), spec.keepData)));
  for (const { n } of nodes) await upOn(ctx, n, upFrom, step);
  const syncFrom = ctx.clock();
  await Promise.all(
    nodes
      .filter(({ n, master }) => n !== master)
      .map(async ({ n }) => {
        const synced = await syncedOrRefused(ctx, n, REJOIN_WATCH_MS);
        if (synced !== true) throw new Error(`${n.name} was not in sync ${synced ? `: "${synced}"` : `within ${REJOIN_WATCH_MS / 1000} s`} after the restart`);
        step({ node: n.name, step: "synced", fromMs: syncFrom, toMs: ctx.clock() });
      }),
  );
}

/** What redis-cli's output says went wrong: a server's own error where it quotes one, else its last line. */
const cliError = (output: string) =>
  /replied with error: ([^\n]*)/.exec(output)?.[1].trim() ?? /\[ERR\][^\n]*/.exec(output)?.[0].trim() ?? output.trim().split("\n").at(-1) ?? null;

/**
 * Slots moved from `from` (upgraded) to `to` (still on the old image) under load: each key goes by MIGRATE, whose
 * payload carries the sender's RDB version. Where the old server refuses it, the move stops half-way, with a slot
 * left migrating on one side and importing on the other.
 */
async function reshardMixed(ctx: FaultContext, from: RedisNode, to: RedisNode, slots: number, step: Step): Promise<NonNullable<UpgradeDetails["slotsMoved"]>> {
  const fromMs = ctx.clock();
  const r = await moveSlots(ctx, from, await ctx.topology.cluster!.idOf(to), slots);
  const serverSaid = r.exitCode === 0 ? null : cliError(r.output);
  step({ node: from.name, step: r.exitCode === 0 ? "resharded" : "reshard-stopped", fromMs, toMs: ctx.clock(), ...(serverSaid ? { serverSaid } : {}) });
  return { from: from.name, to: to.name, slots, done: r.exitCode === 0, serverSaid };
}

/** `redis-cli --cluster fix` once every node is on the new image: what an operator runs on a slot left open. */
async function fixCluster(ctx: FaultContext, step: Step): Promise<{ done: boolean; said: string | null }> {
  const fromMs = ctx.clock();
  const node = await ctx.topology.primary();
  const r = await ctx.topology
    .cluster!.redisCli(node, ["--cluster", "fix", cliAddress(ctx, node), "--cluster-yes"])
    .catch((err: Error) => ({ exitCode: -1, output: err.message }));
  const said = r.exitCode === 0 ? null : cliError(r.output);
  step({ node: node.name, step: "cluster-fixed", fromMs, toMs: ctx.clock(), ...(said ? { serverSaid: said } : {}) });
  return { done: r.exitCode === 0, said };
}

const stepLabel = (s: UpgradeStep) =>
  `${s.wayBack ? "way back: " : ""}${s.node}: ${s.step}${s.sync ? ` (${s.sync} resync)` : ""}${s.version ? ` on ${s.version}` : ""}`;

/**
 * The way back: a replica of the upgraded deployment rolled back to `from`, keeping what the new version saved. Where
 * the old version cannot load it, the node is back on the new image (rollNode) and there is no way back; where it
 * can, it is rolled forward again, so that the run ends upgraded either way.
 */
async function tryWayBack(ctx: FaultContext, from: string, to: string, step: Step): Promise<NonNullable<UpgradeDetails["wayBack"]>> {
  const master = await ctx.topology.primary();
  const [node] = await ctx.topology.replicasOf(master);
  if (!node) throw new Error(`${master.name} has no replica to try the way back on`);
  const back: Step = (s) => step({ ...s, wayBack: true });
  try {
    await rollNode(ctx, node, master, from, back);
  } catch (err) {
    return { node: node.name, possible: false, serverSaid: quoteRefusal((err as Error).message) };
  }
  await rollNode(ctx, node, master, to, back);
  return { node: node.name, possible: true, serverSaid: null };
}

/**
 * The trap: the old master, a replica of the upgraded master now and not upgraded yet, crashes (SIGKILL: nothing
 * saved) and its supervisor starts it again on its old image. It must fetch the whole dataset, as the new version
 * wrote it; it is watched until it syncs or the server says why it cannot.
 */
async function crashAndRejoinOnOldImage(
  ctx: FaultContext,
  node: RedisNode,
  master: RedisNode,
  step: Step,
): Promise<NonNullable<UpgradeDetails["rejoinedOnOldImage"]>> {
  const fromMs = ctx.clock();
  await node.control.kill("SIGKILL");
  await node.control.start();
  // Its command line makes it a master: Sentinel turns it into a replica, a cluster node's nodes.conf says it is one, and
  // on plain replication the operator does it (here, the harness).
  const to = ctx.topology.announced.get(master.name)!;
  await pollUntil(async () => ((await node.admin.ping().catch(() => undefined)) ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
  if (!ctx.topology.capabilities.has("sentinels") && !ctx.topology.cluster) await node.admin.call("REPLICAOF", to.host, String(to.port)).catch(() => {});
  step({ node: node.name, step: "restarted-on-old-image", fromMs, toMs: ctx.clock() });
  const watchFrom = ctx.clock();
  const w = await syncedOrRefused(ctx, node, REJOIN_WATCH_MS, fromMs);
  const said = typeof w === "string" ? w : null;
  if (w !== true) step({ node: node.name, step: "sync-refused", fromMs: watchFrom, toMs: ctx.clock(), ...(said ? { serverSaid: said } : {}) });
  // It is rolled next, from where it stands: stopped first, as any node.
  await shutDown(node, "NOSAVE");
  return { synced: w === true, serverSaid: said };
}
