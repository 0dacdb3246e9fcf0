import { z } from "zod";
import { imageName } from "../infra/fields.js";
import { pollUntil } from "../infra/poll.js";
import { ContainerControl } from "../topology/container-control.js";
import type { RedisNode } from "../topology/redis-node.js";
import { need } from "../topology/types.js";
import { runFault, type LiveRecord } from "./lifecycle.js";
import { at } from "./targets.js";
import { defineFault, type FaultContext } from "./types.js";

/** How long a node restarted on a new image may take to be a replica in sync before the roll stops there. */
const SYNC_TIMEOUT_MS = 60_000;
/**
 * How long a node on the old image is watched following an upgraded master before it is rolled: until it is in sync or
 * says why it cannot (a full sync's refusal came 5–15 s after the node was made a replica here: the master's diskless
 * sync waits 5 s for more replicas, then the transfer).
 */
const REJOIN_WATCH_MS = 30_000;
/** What a server prints when it cannot load what its master sent, the most telling first: what the report quotes. */
const REFUSED_SYNC = [/Can't handle RDB format version \d+/, /Bad RDB[^\n]*/, /Failed trying to load the MASTER synchronization[^\n]*/];

/** One step of the roll on one node, timed on the run clock. */
export interface UpgradeStep {
  node: string;
  step:
    | "down"
    | "up"
    | "synced"
    | "failover"
    | "repointed"
    | "demoted"
    | "rejoined"
    | "restarted-on-old-image"
    | "sync-refused"
    | "refused-to-start"
    | "put-back";
  /** When the step began and when it was done, on the run clock. */
  fromMs: number;
  toMs: number;
  /** A replica's resync after the step: partial (+CONTINUE) or full, as its master counted it. */
  sync?: "partial" | "full";
  /** The server's version once it answered (INFO server). */
  version?: string;
  /** What the server itself said (a sync it refused). */
  serverSaid?: string;
  /** A step of the way back tried after the roll (wayBack), not of the roll. */
  wayBack?: boolean;
}

export interface UpgradeDetails {
  from: string;
  to: string;
  fromVersion: string;
  toVersion: string;
  failover: "handover" | "handover-writes-paused" | "master-killed";
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
    })
    .strict(),
  images: (s) => [s.to],
  requires: (s) => [
    { capability: "images", field: "kind", message: "containers the harness started, whose image it replaces" },
    { capability: "replicas", field: "kind", message: "replicas to roll before the master" },
    ...(s.failover === "master-killed"
      ? [{ capability: "autoFailover", field: "failover", message: "a failover of its own after the master is killed" } as const]
      : []),
  ],
  validate: (s, setting) =>
    s.failover === "master-killed" && s.oldMasterRejoins === "before-upgrade"
      ? [{ path: [...setting.path, "oldMasterRejoins"], message: "before-upgrade kills the old master after a handover: give failover: handover" }]
      : [],
  run: async (spec, ctx) => {
    const t = ctx.topology;
    const shards = await shardsOf(t);
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
          oldPrimary: first.master.name,
          order: [...replicas.map(({ r }) => r.name), ...shards.map((sh) => sh.master.name)],
          fromVersion: (await first.master.identity()).version,
          handovers: [],
          steps,
        });
        // The roll is in force from the first replica's shutdown.
        const sentAtMs = ctx.clock();
        try {
          await rollNode(ctx, rec, replicas[0].r, replicas[0].master, spec.to, step, false, spec.keepData);
        } catch (err) {
          if (!refusedAsExpected(rec, err)) throw err;
        }
        return { nodes: [replicas[0].r.name], sentAtMs, observedAtMs: steps[0]?.toMs };
      },
      heal: async (rec, injected) => {
        if (!injected) return;
        let held: RedisNode | undefined;
        try {
          if (rec.details.refused) return;
          for (const { r, master } of replicas.slice(1)) await rollNode(ctx, rec, r, master, spec.to, step, false, spec.keepData);
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
            await rollNode(ctx, rec, master, next, spec.to, step, down, spec.keepData);
          }
          if (spec.wayBack) rec.details.wayBack = await tryWayBack(ctx, rec, rec.details.from!, spec.to, step);
        } catch (err) {
          if (!refusedAsExpected(rec, err)) rec.fail((err as Error).message);
          // A roll that stopped half-way leaves no write held.
          await held?.admin.call("CLIENT", "UNPAUSE").catch(() => {});
        } finally {
          if (spec.expect === "refused" && !rec.details.refused) rec.fail(`a node was expected to refuse ${spec.to}, and none did: the roll went through`);
          rec.details.versions = Object.fromEntries(
            await Promise.all(t.nodes.map(async (n) => [n.name, (await n.identity().catch(() => undefined))?.version ?? "unreachable"] as const)),
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
    { label: "failover", value: d.failover },
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
    ...(d.rejoinedOnOldImage ? [{ label: "the old master on its old image synced from the upgraded master", value: d.rejoinedOnOldImage.synced }] : []),
  ],
});

type Step = (s: UpgradeStep) => void;

/** A node refused the new image (it did not start on it) or what its master sent it: the roll stops there. */
class RollRefused extends Error {
  constructor(
    message: string,
    readonly node: string,
    readonly how: "did not start" | "refused its master's data",
    readonly serverSaid: string | null,
  ) {
    super(message);
  }
}

/** A master and its replicas: one of them in replication and Sentinel, one per master in a cluster (slot 0's first). */
interface Shard {
  master: RedisNode;
  replicas: RedisNode[];
}

async function shardsOf(t: FaultContext["topology"]): Promise<Shard[]> {
  const first = await t.primary();
  const masters = [first];
  if (t.cluster) {
    for (const l of await t.cluster.clusterNodes()) {
      const n = l.flags.includes("master") && l.slots.length ? t.cluster.nodeAt(l.host, l.port) : undefined;
      if (n && !masters.includes(n)) masters.push(n);
    }
  }
  return Promise.all(masters.map(async (master) => ({ master, replicas: await t.replicasOf(master) })));
}

/** Polls until one of `replicas` says it is master now: a cluster shard's failover, seen from its own nodes. */
async function promotedAmong(ctx: FaultContext, replicas: RedisNode[], timeoutMs: number): Promise<RedisNode> {
  const r = await pollUntil(
    async () => {
      for (const n of replicas) if ((await n.info("replication").catch(() => undefined))?.get("role") === "master") return n;
      return undefined;
    },
    { timeoutMs, intervalMs: 20, signal: ctx.signal },
  );
  if (r.timedOut) throw new Error(`none of ${replicas.map((n) => n.name).join(", ")} was master within ${timeoutMs / 1000} s`);
  return r.value;
}

const stepLabel = (s: UpgradeStep) =>
  `${s.wayBack ? "way back: " : ""}${s.node}: ${s.step}${s.sync ? ` (${s.sync} resync)` : ""}${s.version ? ` on ${s.version}` : ""}`;

/** The master the topology names now, once it is not `old`. */
async function newPrimaryAfter(ctx: FaultContext, old: RedisNode, timeoutMs = 30_000): Promise<RedisNode> {
  const r = await pollUntil(
    async () => {
      const p = await ctx.topology.primary().catch(() => undefined);
      return p && p !== old ? p : undefined;
    },
    { timeoutMs, intervalMs: 50, signal: ctx.signal },
  );
  if (r.timedOut) throw new Error(`no other master was named within ${timeoutMs} ms of the failover`);
  return r.value;
}

/**
 * The handover the topology offers: Sentinel's own failover, or replication's FAILOVER with the other replicas and the
 * clients repointed. `paused`: the old master's writes held (CLIENT PAUSE WRITE) from before it, so none is
 * acknowledged by a master about to be demoted; the writes held fail once it is a replica (READONLY) and are not lost.
 */
async function handOver(ctx: FaultContext, old: RedisNode, replicas: RedisNode[], paused: boolean, step: Step): Promise<RedisNode> {
  const t = ctx.topology;
  const fromMs = ctx.clock();
  if (t.cluster) {
    // CLUSTER FAILOVER is coordinated already: the master holds its clients until the replica has caught up.
    await replicas[0].admin.call("CLUSTER", "FAILOVER");
    const next = await promotedAmong(ctx, [replicas[0]], 30_000);
    step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
    return next;
  }
  if (paused) {
    await old.admin.call("CLIENT", "PAUSE", "60000", "WRITE");
    // Nothing more is acknowledged; whichever replica the topology promotes must hold what was.
    const target = Number((await old.info("replication")).get("master_repl_offset"));
    const caughtUp = await pollUntil(
      async () => {
        const offsets = await Promise.all(replicas.map(async (r) => Number((await r.info("replication")).get("slave_repl_offset"))));
        return offsets.every((o) => o >= target) ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 10, signal: ctx.signal },
    );
    if (caughtUp.timedOut) throw new Error(`the replicas did not reach the paused master's offset ${target} within 10 s`);
  }
  if (t.route.by === "sentinels") {
    await t.sentinels[0].admin.call("SENTINEL", "FAILOVER", t.route.masterName);
    const next = await newPrimaryAfter(ctx, old);
    if (paused) {
      // Sentinel would demote the old master itself, but its connection there is stuck behind a PUBLISH the pause
      // holds (measured: still a master 30 s later); the harness sends the REPLICAOF Sentinel would have.
      const to = t.announced.get(next.name)!;
      await old.admin.call("REPLICAOF", to.host, String(to.port));
    }
    step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
    return next;
  }
  const runbook = need(t.runbook, "runbook", t);
  // FAILOVER (6.2+): the master pauses writes, waits for the replica to catch up, and the two swap roles.
  const [next, ...others] = replicas;
  const to = t.announced.get(next.name)!;
  await old.admin.call("FAILOVER", "TO", to.host, String(to.port), "TIMEOUT", "10000");
  const r = await pollUntil(async () => ((await next.info("replication")).get("role") === "master" ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 20,
    signal: ctx.signal,
  });
  if (r.timedOut) throw new Error(`${next.name} was not master 30 s after FAILOVER`);
  runbook.setPrimary(next);
  await ctx.pool.repoint();
  await ctx.readPool?.repoint();
  step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
  // FAILOVER moves the old master under the new one; the other replicas still follow the old master until told.
  const repointFrom = ctx.clock();
  for (const o of others) await o.admin.call("REPLICAOF", to.host, String(to.port));
  if (others.length) step({ node: others.map((o) => o.name).join(", "), step: "repointed", fromMs: repointFrom, toMs: ctx.clock() });
  return next;
}

/** SIGKILL the master and wait for the topology's own failover. */
async function killOver(ctx: FaultContext, old: RedisNode, replicas: RedisNode[], step: Step): Promise<RedisNode> {
  const fromMs = ctx.clock();
  await old.control.kill("SIGKILL");
  // Sentinel names the new master; a cluster shard's replica says it is one.
  const next = ctx.topology.cluster ? await promotedAmong(ctx, replicas, 60_000) : await newPrimaryAfter(ctx, old, 60_000);
  step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
  return next;
}

/**
 * After a handover, the old master (on the old image still) is made a replica of the new one. Whether it can follow
 * it before its own upgrade is a finding, not a condition: a partial resync needs nothing the old version cannot read,
 * a full one sends the new version's RDB. Watched until it is in sync, or the server says why not, or a few seconds
 * pass; it is rolled next either way.
 */
async function demoted(ctx: FaultContext, node: RedisNode, step: Step): Promise<void> {
  const fromMs = ctx.clock();
  const r = await pollUntil(async () => ((await node.info("replication")).get("role") === "slave" ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 50,
    signal: ctx.signal,
  });
  if (r.timedOut) throw new Error(`${node.name} was still a master 30 s after the failover`);
  const w = await syncedOrRefused(ctx, node, REJOIN_WATCH_MS, fromMs);
  const kind = w === true ? "rejoined" : w ? "sync-refused" : "demoted";
  step({ node: node.name, step: kind, fromMs, toMs: ctx.clock(), ...(typeof w === "string" ? { serverSaid: w } : {}) });
}

const inSync = (info: Map<string, string>) =>
  info.get("role") === "slave" && info.get("master_link_status") === "up" && info.get("master_sync_in_progress") === "0";

/** The master's counts of full and partial resyncs it served. */
async function syncCounts(master: RedisNode): Promise<{ full: number; partial: number }> {
  const s = await master.info("stats");
  return { full: Number(s.get("sync_full") ?? 0), partial: Number(s.get("sync_partial_ok") ?? 0) };
}

/** The most telling refusal in a server's output, as it said it, or null. */
function quoteRefusal(text: string): string | null {
  for (const re of REFUSED_SYNC) {
    const m = re.exec(text);
    if (m) return m[0].trim();
  }
  return null;
}

/** What `node`'s own output (its last 200 lines from `sinceS`, Unix seconds) says of why it could not load its master's data, or null. */
async function refusal(node: RedisNode, sinceS: number): Promise<string | null> {
  if (!(node.control instanceof ContainerControl)) return null;
  return quoteRefusal((await node.control.logTail(200, sinceS).catch(() => [] as string[])).join("\n"));
}

/**
 * One node rolled: shut down with a save (already down: `down` true, a kill), its container replaced by one of `image`
 * that follows `master` (with its /data, unless `keepData` is false: then it fetches everything), started, and waited
 * for until it is in sync. A node that does not start on the new image is back on its old one (replaceImage); one
 * that refuses what its master sends is put back on its old image, empty, and fetches everything again. Either
 * stops the roll, with what the server said.
 */
async function rollNode(
  ctx: FaultContext,
  rec: LiveRecord<UpgradeDetails>,
  node: RedisNode,
  master: RedisNode,
  image: string,
  step: Step,
  down = false,
  keepData = true,
): Promise<void> {
  const before = await syncCounts(master);
  const downFrom = ctx.clock();
  if (!down) await shutDown(node, "SAVE");
  step({ node: node.name, step: "down", fromMs: downFrom, toMs: ctx.clock() });
  const upFrom = ctx.clock();
  const previous = node.image;
  // A cluster node finds its place from its nodes.conf (in /data); any other follows what its config file would name.
  const to = ctx.topology.announced.get(master.name)!;
  const { replicaof: _, ...config } = node.config;
  const settings = ctx.topology.cluster ? node.config : { ...config, replicaof: `${to.host} ${to.port}` };
  try {
    await node.replaceImage(image, settings, keepData);
  } catch (err) {
    const said = quoteRefusal((err as Error).message);
    step({ node: node.name, step: "refused-to-start", fromMs: upFrom, toMs: ctx.clock(), serverSaid: said ?? (err as Error).message.slice(0, 300) });
    throw new RollRefused(
      `${node.name} did not start on ${image}${said ? `: "${said}"` : ""}; it runs on ${previous} again, and the roll stops here`,
      node.name,
      "did not start",
      said,
    );
  }
  const version = await pollUntil(async () => (await node.identity().catch(() => undefined))?.version, { timeoutMs: 10_000, intervalMs: 50 });
  step({ node: node.name, step: "up", fromMs: upFrom, toMs: ctx.clock(), version: version.timedOut ? undefined : version.value });
  const syncFrom = ctx.clock();
  const synced = await syncedOrRefused(ctx, node, SYNC_TIMEOUT_MS);
  if (synced !== true) {
    step({ node: node.name, step: "sync-refused", fromMs: syncFrom, toMs: ctx.clock(), ...(synced ? { serverSaid: synced } : {}) });
    const why = `${node.name} on ${image} ${synced ? `refused what ${master.name} sent: "${synced}"` : `was not in sync with ${master.name} within ${SYNC_TIMEOUT_MS / 1000} s`}`;
    // Not left broken: back on the image it had, empty, it fetches the whole dataset as before.
    const backFrom = ctx.clock();
    await shutDown(node, "NOSAVE");
    await node.replaceImage(previous, settings, false);
    const back = await syncedOrRefused(ctx, node, SYNC_TIMEOUT_MS);
    step({ node: node.name, step: "put-back", fromMs: backFrom, toMs: ctx.clock() });
    const message = `${why}; it was put back on ${previous}${back === true ? " and is in sync" : ", and is not in sync either"}; the roll stops here`;
    throw typeof synced === "string" ? new RollRefused(message, node.name, "refused its master's data", synced) : new Error(message);
  }
  const after = await syncCounts(master);
  step({ node: node.name, step: "synced", fromMs: syncFrom, toMs: ctx.clock(), sync: after.full > before.full ? "full" : "partial" });
  rec.details.versions = { ...rec.details.versions, [node.name]: version.timedOut ? "unknown" : version.value };
}

/** SHUTDOWN (SAVE: its RDB keeps the replication id and offset, for a partial resync), and wait for the container to stop. */
async function shutDown(node: RedisNode, how: "SAVE" | "NOSAVE"): Promise<void> {
  await node.admin.call("SHUTDOWN", how).catch(() => {}); // the connection closes: that is the answer
  const stopped = await pollUntil(async () => ((await node.control.state()).running ? undefined : true), { timeoutMs: 30_000, intervalMs: 50 });
  if (stopped.timedOut) throw new Error(`${node.name} did not stop within 30 s of SHUTDOWN ${how}`);
}

/** true once `node` is a replica in sync; what its server said when it refused its master's data; null at the timeout. */
async function syncedOrRefused(ctx: FaultContext, node: RedisNode, timeoutMs: number, sinceMs = ctx.clock()): Promise<true | string | null> {
  // Only what it said from `sinceMs` on (run clock) counts: a container started again keeps its earlier output.
  const since = Math.floor((Date.now() - (ctx.clock() - sinceMs)) / 1000);
  let logReadAt = 0;
  const r = await pollUntil<true | string>(
    async () => {
      if (inSync(await node.info("replication").catch(() => new Map<string, string>()))) return true;
      // Its output is read once a second: a refusal comes after a transfer of seconds.
      if (Date.now() - logReadAt < 1000) return undefined;
      logReadAt = Date.now();
      return (await refusal(node, since)) ?? undefined;
    },
    { timeoutMs, intervalMs: 50, signal: ctx.signal },
  );
  return r.timedOut ? null : r.value;
}

/**
 * The way back: a replica of the upgraded deployment rolled back to `from`, keeping what the new version saved. Where
 * the old version cannot load it, the node is back on the new image (rollNode) and there is no way back; where it
 * can, it is rolled forward again, so that the run ends upgraded either way.
 */
async function tryWayBack(
  ctx: FaultContext,
  rec: LiveRecord<UpgradeDetails>,
  from: string,
  to: string,
  step: Step,
): Promise<NonNullable<UpgradeDetails["wayBack"]>> {
  const master = await ctx.topology.primary();
  const [node] = await ctx.topology.replicasOf(master);
  if (!node) throw new Error(`${master.name} has no replica to try the way back on`);
  const back: Step = (s) => step({ ...s, wayBack: true });
  try {
    await rollNode(ctx, rec, node, master, from, back);
  } catch (err) {
    return { node: node.name, possible: false, serverSaid: quoteRefusal((err as Error).message) };
  }
  await rollNode(ctx, rec, node, master, to, back);
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
