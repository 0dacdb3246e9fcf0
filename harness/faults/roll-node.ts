import { pollUntil } from "../infra/poll.js";
import { ContainerControl } from "../topology/container-control.js";
import type { RedisNode } from "../topology/redis-node.js";
import type { FaultContext } from "./types.js";

// How one node of a roll goes from one image to another (the upgrade fault's steps): shut down, its container
// replaced, started, in sync with its master; or, where it cannot, the server's own words for why.

/** How long a node restarted on a new image may take to be a replica in sync before the roll stops there. */
const SYNC_TIMEOUT_MS = 60_000;
/**
 * How long a node on the old image is watched following an upgraded master before it is rolled: until it is in sync or
 * says why it cannot (a full sync's refusal came 5–15 s after the node was made a replica here: the master's diskless
 * sync waits 5 s for more replicas, then the transfer).
 */
export const REJOIN_WATCH_MS = 30_000;
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
    | "put-back"
    | "resharded"
    | "reshard-stopped"
    | "cluster-fixed";
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

export type Step = (s: UpgradeStep) => void;

/** A node refused the new image (it did not start on it) or what its master sent it: the roll stops there. */
export class RollRefused extends Error {
  constructor(
    message: string,
    readonly node: string,
    readonly how: "did not start" | "refused its master's data",
    readonly serverSaid: string | null,
  ) {
    super(message);
  }
}

const inSync = (info: Map<string, string>) =>
  info.get("role") === "slave" && info.get("master_link_status") === "up" && info.get("master_sync_in_progress") === "0";

/** The master's counts of full and partial resyncs it served. */
async function syncCounts(master: RedisNode): Promise<{ full: number; partial: number }> {
  const s = await master.info("stats");
  return { full: Number(s.get("sync_full") ?? 0), partial: Number(s.get("sync_partial_ok") ?? 0) };
}

/** The most telling refusal in a server's output, as it said it, or null. */
export function quoteRefusal(text: string): string | null {
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
 * One node rolled: shut down with a save (or `stop`: SIGTERM; already down: `down` true, a kill), its container replaced by one of `image`
 * that follows `master` (with its /data, unless `keepData` is false: then it fetches everything), started, and waited
 * for until it is in sync. A node that does not start on the new image is back on its old one (replaceImage); one
 * that refuses what its master sends is put back on its old image, empty, and fetches everything again. Either
 * stops the roll, with what the server said.
 */
export async function rollNode(
  ctx: FaultContext,
  node: RedisNode,
  master: RedisNode,
  image: string,
  step: Step,
  down = false,
  keepData = true,
  stop: "SAVE" | "SIGTERM" = "SAVE",
): Promise<void> {
  const before = await syncCounts(master);
  const downFrom = ctx.clock();
  if (!down) await shutDown(node, stop);
  step({ node: node.name, step: "down", fromMs: downFrom, toMs: ctx.clock() });
  const upFrom = ctx.clock();
  const previous = node.image;
  const settings = settingsUnder(ctx, node, master);
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
  await upOn(ctx, node, upFrom, step);
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
}

/** The "up" step of a node started on a new image: once it answers, with the version it says it runs. */
export async function upOn(ctx: FaultContext, node: RedisNode, fromMs: number, step: Step): Promise<void> {
  const version = await pollUntil(async () => (await node.identity().catch(() => undefined))?.version, { timeoutMs: 10_000, intervalMs: 50 });
  step({ node: node.name, step: "up", fromMs, toMs: ctx.clock(), version: version.timedOut ? undefined : version.value });
}

/**
 * The settings `node` starts with on a new container under `master`: a cluster node finds its place from its nodes.conf
 * (in /data); any other follows what its config file would name (a master, its own: no replicaof).
 */
export function settingsUnder(ctx: FaultContext, node: RedisNode, master: RedisNode): Record<string, string> {
  if (ctx.topology.cluster) return node.config;
  const { replicaof: _, ...config } = node.config;
  if (node === master) return config;
  const to = ctx.topology.announced.get(master.name)!;
  return { ...config, replicaof: `${to.host} ${to.port}` };
}

/**
 * SHUTDOWN (SAVE: its RDB keeps the replication id and offset, for a partial resync), or SIGTERM as an orchestrator
 * stops a container (the server saves only if its config has save points), and wait for the container to stop.
 */
export async function shutDown(node: RedisNode, how: "SAVE" | "NOSAVE" | "SIGTERM"): Promise<void> {
  if (how === "SIGTERM") await node.control.kill("SIGTERM");
  else await node.admin.call("SHUTDOWN", how).catch(() => {}); // the connection closes: that is the answer
  const stopped = await pollUntil(async () => ((await node.control.state()).running ? undefined : true), { timeoutMs: 30_000, intervalMs: 50 });
  if (stopped.timedOut) throw new Error(`${node.name} did not stop within 30 s of ${how === "SIGTERM" ? how : `SHUTDOWN ${how}`}`);
}

/** true once `node` is a replica in sync; what its server said when it refused its master's data; null at the timeout. */
export async function syncedOrRefused(ctx: FaultContext, node: RedisNode, timeoutMs: number, sinceMs = ctx.clock()): Promise<true | string | null> {
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

/** What a Sentinel knows of the first master it monitors: its address and how many other Sentinels it hears. */
async function sentinelView(sentinel: RedisNode): Promise<{ master: string; others: number } | undefined> {
  const [first] = ((await sentinel.admin.call("SENTINEL", "MASTERS")) as string[][]) ?? [];
  if (!first) return undefined;
  const field = (k: string) => first[first.indexOf(k) + 1];
  return { master: `${field("ip")}:${field("port")}`, others: Number(field("num-other-sentinels")) };
}

/**
 * One Sentinel rolled: stopped (SIGTERM), its container replaced by one of `image` keeping /data (the sentinel.conf
 * it rewrote: its id, the current master, its peers, the epoch), started, and waited for until it names the master
 * the others name and hears all of them again.
 */
export async function rollSentinel(ctx: FaultContext, sentinel: RedisNode, image: string, step: Step): Promise<void> {
  const others = ctx.topology.sentinels.filter((s) => s !== sentinel);
  const downFrom = ctx.clock();
  await shutDown(sentinel, "SIGTERM");
  step({ node: sentinel.name, step: "down", fromMs: downFrom, toMs: ctx.clock() });
  const upFrom = ctx.clock();
  await sentinel.replaceImage(image, sentinel.config);
  await upOn(ctx, sentinel, upFrom, step);
  const from = ctx.clock();
  const agreed = await pollUntil(
    async () => {
      const [mine, theirs] = [await sentinelView(sentinel), await sentinelView(others[0])];
      return mine && theirs && mine.master === theirs.master && mine.others === others.length ? true : undefined;
    },
    { timeoutMs: SYNC_TIMEOUT_MS, intervalMs: 100, signal: ctx.signal },
  );
  if (agreed.timedOut) throw new Error(`${sentinel.name} on ${image} did not agree with the other Sentinels on the master within ${SYNC_TIMEOUT_MS / 1000} s`);
  step({ node: sentinel.name, step: "rejoined", fromMs: from, toMs: ctx.clock() });
}
