import { ENGINES } from "../workload/engines/index.js";
import { DRIVER_BOUND_LAG_US } from "../workload/drivers.js";
import { describeOp } from "../check/linearizability.js";
import { STRETCH_MS, SUCCESS_THRESHOLD, type Availability, type FaultOutage, type Outage } from "../check/availability.js";
import { findCheck, type Check } from "../check/verdict.js";
import type { MetricId } from "../check/metrics.js";
import { faultDefinition } from "../faults/registry.js";
import { formatAtS, formatBytes, formatCount, formatFraction, formatMs, formatUs, formatValue, NONE } from "../infra/units.js";
import { ERROR_CLASSES, type ErrorCounts } from "../measure/errors.js";
import { ALL_PHASES, type AnyPhase, type Phase } from "../measure/phases.js";
import type { SecurityAttempts, SecuritySections } from "../measure/security-check.js";
import { eventsOf, type TimelineEvent } from "../measure/timeline.js";
import { capabilitiesOf } from "../topology/registry.js";
import { verdictWord, type VerdictWord } from "./outcome.js";
import type { Cell, CellLike, Fact, Row, Table, Tag } from "./table.js";
import { memoryTrend } from "../measure/harness-memory.js";
import type { RunReport } from "./types.js";

/**
 * A run's report as a reader sees it, every value formatted once: a header, then sections of paragraphs, facts and
 * tables. Markdown, HTML and the terminal render this; none of them formats a number of its own.
 */
export interface Block {
  title?: string;
  paragraphs?: string[];
  facts?: Fact[];
  table?: Table;
}

export interface Section {
  id: "budgets" | "latency" | "availability" | "data" | "linearizability" | "cache" | "app" | "faults" | "nodes" | "instrument" | "environment";
  title: string;
  blocks: Block[];
}

export interface RunView {
  name: string;
  description: string;
  verdict: VerdictWord;
  problem?: string;
  /** What ran: topology, server, image, load, dataset, when. */
  facts: Fact[];
  /** Every broken budget (and a run that did not complete), in words. */
  broken: string[];
  /** Every budget this run could not judge (its instrument floor reached it), in words. */
  inconclusive: string[];
  /** "DRIVER-BOUND: why; what it limits", when the driver, not Redis, was the limit. */
  driverBound?: string;
  checksCount: number;
  sections: Section[];
}

/** The budget on a value, as a tag beside it. */
export function budgetTag(c: Check | undefined): Tag[] {
  return c
    ? [
        {
          text: `${c.id.bound === "min" ? "≥" : "≤"} ${formatValue(c.budget, c.unit)}`,
          ok: c.pass,
          ...(c.inconclusive ? { inconclusive: true, note: c.inconclusive } : c.note ? { note: c.note } : {}),
        },
      ]
    : [];
}

const window = (from: number | null, to: number | null) => `${formatAtS(from ?? 0, 1)} → ${to === null ? "end" : formatAtS(to, 1)}`;

const errorsByClass = (e: ErrorCounts) =>
  ERROR_CLASSES.filter((c) => e[c] > 0)
    .map((c) => `${c} ${formatCount(e[c])}`)
    .join(", ");

/** An RTO as a cell: the value, a censored one's lower bound ("> 13,900 ms"), or why there is none. */
export function rtoCell(a: Outage): Cell {
  if (a.rtoMs !== null) return { text: formatMs(Math.round(a.rtoMs)) };
  if (a.rtoCensored && a.rtoLowerBoundMs !== undefined)
    return { text: `> ${formatMs(Math.round(a.rtoLowerBoundMs))}`, note: a.rtoNote ?? "writes had not recovered" };
  return { text: NONE, note: a.rtoNote ?? "not measured" };
}

function header(r: RunReport): Fact[] {
  const s = r.scenario;
  const t = r.topology;
  const load = `${r.workload.mode}${r.workload.mode === "open-loop" ? ` at ${formatValue(s.workload.rate, "ops/s")}` : ""}, ${s.workload.connections} connections, read ratio ${s.workload.readRatio}, ${s.workload.valueBytes}-byte values, ${formatCount(r.workload.issued)} operations in ${formatMs(r.workload.loadDurationMs)}`;
  const seconds = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  return [
    ["status", r.status],
    [
      "topology",
      `${s.topology.kind}${t ? ` (${t.nodes.length} data node${t.nodes.length === 1 ? "" : "s"}${t.sentinels.length ? `, ${t.sentinels.length} Sentinels` : ""})` : ""}`,
    ],
    ["server", t ? `${t.server.server} ${t.server.version}` : "not started"],
    ["image", t?.image ?? s.topology.image ?? "?"],
    ["load", load],
    ["engine", `${r.workload.engine}: ${ENGINES[r.workload.engine].description}`],
    ["latency means", r.workload.latencyMeaning],
    [
      "dataset",
      r.dataset.requestedBytes
        ? `${formatCount(r.dataset.keys)} keys requested as ${formatBytes(r.dataset.requestedBytes)}${r.dataset.usedMemoryBytes !== null ? `, used_memory ${formatBytes(r.dataset.usedMemoryBytes)}` : ""}`
        : "none",
    ],
    ["started", `${r.startedAt} (${Number.isFinite(seconds) ? `${seconds.toFixed(1)} s` : "?"})`],
  ];
}

function verdictSection(r: RunReport): Section {
  if (r.verdict.checks.length === 0) return { id: "budgets", title: "Budgets", blocks: [{ paragraphs: ["No budgets declared."] }] };
  const rows: Row[] = r.verdict.checks.map((c) => ({
    cls: c.pass ? "ok" : c.inconclusive ? "inconclusive" : "broken",
    cells: [
      c.name,
      `${c.id.bound === "min" ? "≥" : "≤"} ${formatValue(c.budget, c.unit)}`,
      c.measured === null ? { text: NONE, note: c.note ?? "no data" } : formatValue(c.measured, c.unit),
      c.pass ? "pass" : c.inconclusive ? { text: "inconclusive", note: c.inconclusive } : { text: "FAIL", strong: true },
    ],
  }));
  return { id: "budgets", title: "Budgets", blocks: [{ table: { headers: ["check", "budget", "measured", "result"], rows, cls: "budgets" } }] };
}

function latencySection(r: RunReport): Section {
  const tagged = (metric: MetricId, phase: AnyPhase, text: string): CellLike =>
    phase === "warmup" ? text : { text, tags: budgetTag(findCheck(r.verdict, metric, phase as Phase)) };
  const rows: Row[] = ALL_PHASES.map((p) => {
    const ph = r.phases[p];
    const none = ph.ops === 0;
    const lat = (us: number) => (none ? NONE : formatUs(us));
    return {
      data: { phase: p },
      cells: [
        p,
        window(ph.fromMs, ph.toMs),
        formatCount(ph.ops),
        formatCount(ph.errors),
        tagged("errorRate", p, none ? NONE : formatFraction(ph.errors / ph.ops)),
        lat(ph.latency.p50Us),
        tagged("p99", p, lat(ph.latency.p99Us)),
        tagged("p999", p, lat(ph.latency.p999Us)),
        lat(ph.latency.maxUs),
        lat(ph.service.p50Us),
        lat(ph.service.p99Us),
      ],
    };
  });
  const t = r.total;
  rows.push({
    cls: "total",
    cells: [
      "total",
      "after warmup",
      formatCount(t.ops),
      formatCount(t.errors),
      t.ops ? formatFraction(t.errors / t.ops) : NONE,
      ...[t.latency.p50Us, t.latency.p99Us, t.latency.p999Us, t.latency.maxUs, t.service.p50Us, t.service.p99Us].map((v) => (t.ops ? formatUs(v) : NONE)),
    ],
  });
  const errs = errorsByClass(r.total.errorsByClass);
  return {
    id: "latency",
    title: "Latency per phase (from intended start)",
    blocks: [
      {
        table: {
          headers: ["phase", "window", "ops", "errors", "error rate", "P50", "P99", "P99.9", "max", "service P50", "service P99"],
          rows,
          cls: "numbers phases",
        },
        paragraphs: [
          `Latency ${r.workload.latencyMeaning}; service time from the actual send.`,
          errs ? `Errors by class: ${errs}.` : "No operation failed.",
          ...(r.otherErrors.length ? [`Errors classed "other": ${r.otherErrors.map((m) => `"${m}"`).join("; ")}.`] : []),
        ],
      },
    ],
  };
}

function availabilityFacts(a: Availability): Fact[] {
  const run = a.longestFailedRun;
  return [
    [
      "longest run of failed writes",
      run
        ? {
            text: `${formatCount(run.writes)} writes over ${formatMs(Math.round(run.durationMs))} (${formatAtS(run.fromMs, 1)} → ${formatAtS(run.toMs, 1)})`,
            note: "failed one after another, all clients' writes in order of intended start",
          }
        : "none",
    ],
    [
      "writes failed",
      `${formatCount(a.writesFailed)} of ${formatCount(a.writesAttempted)}${a.writesAttempted ? ` (${formatFraction(a.writesFailed / a.writesAttempted)})` : ""}`,
    ],
  ];
}

function availabilitySection(r: RunReport): Section {
  const a = r.availability;
  const facts: Fact[] = [
    ["RTO", { ...rtoCell(a), tags: budgetTag(findCheck(r.verdict, "rto")), note: "from the fault's send to writes acknowledged again, for good" }],
  ];
  facts.push([
    `RTO within the ${formatMs(a.withinObjective.objectiveMs)} objective`,
    {
      ...rtoCell(a.withinObjective),
      tags: budgetTag(findCheck(r.verdict, "rtoWithinObjective")),
      note: "a write acknowledged later than the objective kept its caller waiting: unavailable too",
    },
  ]);
  if (a.durable)
    facts.push([
      "durable RTO",
      {
        ...rtoCell(a.durable),
        tags: budgetTag(findCheck(r.verdict, "durableRto")),
        note: "counting only writes that were acknowledged and survived: a split brain's lost writes are unavailability",
      },
    ]);
  if (a.perFault.length > 1)
    for (const f of a.perFault)
      facts.push([`RTO after fault ${f.fault + 1} (${r.faults[f.fault]?.kind ?? "?"}, ${formatAtS(f.fromMs)} → ${formatAtS(f.toMs)})`, rtoCell(f)]);
  if (r.app) facts.push(["RTO over HTTP (app users)", { ...rtoCell(r.app.availability), cls: "http-rto" }]);
  facts.push(...availabilityFacts(a));
  const gaveUp = eventsOf(r.timeline, "client-gave-up");
  if (gaveUp.length)
    facts.push([
      "clients that stopped reconnecting",
      {
        text: `${gaveUp.length}, from ${formatAtS(gaveUp[0].tMs)}`,
        strong: true,
        note: `the client library ended them on its own; last error: ${gaveUp[0].detail.lastError}`,
      },
    ]);
  const recovery = recoveryCaption(r);
  const beside = rtoBeside(r);
  const words = [...(recovery ? [`What the RTO measured here: ${recovery}.`] : []), ...(beside ? [beside] : [])];
  return { id: "availability", title: "Availability (writes)", blocks: [{ facts }, ...(words.length ? [{ paragraphs: words }] : [])] };
}

/** The fault window the headline RTO comes from (the worst of the faults'). */
function headlineOutage(r: RunReport): FaultOutage | undefined {
  const a = r.availability;
  return a.perFault.find((f) => f.rtoMs === a.rtoMs && f.rtoCensored === a.rtoCensored) ?? a.perFault[0];
}

/** The sampler sees a role once per round: a promotion is seen up to this long after writes came back through it. */
const PROMOTION_SEEN_LATE_MS = 2000;

/** Replicas that became masters, in time order: a role change from replica to master, or a cluster node's flags. */
function promotions(timeline: TimelineEvent[]): Array<{ tMs: number; node: string }> {
  return timeline
    .flatMap((e) =>
      (e.kind === "role-change" && e.detail.to === "master" && e.detail.from !== null && e.detail.from !== "master") ||
      (e.kind === "cluster-node-flags" && /\bmaster\b/.test(e.detail.to) && /\bslave\b/.test(e.detail.from))
        ? [{ tMs: e.tMs, node: e.detail.node }]
        : [],
    )
    .sort((a, b) => a.tMs - b.tMs);
}

const plusS = (ms: number) => `+${(ms / 1000).toFixed(1)} s`;

/**
 * What the headline RTO measured, from the run's own record: the fault (its kind, nodes and target), and how writes
 * came back: through a failover (a replica promoted after the send, seen by the sampler or the cluster watcher) or with
 * none, once the fault was healed (a killed master started again, a pause or a partition lifted) or while it still held.
 * Times from the fault's send, like the RTO. One line, for the availability section and the index's RTO bars.
 */
export function recoveryCaption(r: RunReport): string | undefined {
  const o = headlineOutage(r);
  const f = o && r.faults[o.fault];
  if (!o || !f || f.sentAtMs === null) return undefined;
  const sent = f.sentAtMs;
  const nodes = eventsOf(r.timeline, "fault-injected").find((e) => e.detail.fault === f.kind && e.tMs >= sent - 1)?.detail.nodes ?? [];
  const target = (f.details as { target?: unknown }).target;
  const what = `${f.kind}${nodes.length ? ` on ${nodes.join(", ")}` : ""}${typeof target === "string" ? ` (the ${target})` : ""}`;
  if (o.rtoMs === 0) return `${what}: writes never stopped`;
  if (o.rtoMs === null) return `${what}: ${o.rtoCensored ? "writes had not recovered when the run ended" : (o.rtoNote ?? "RTO not measured")}`;
  const back = sent + o.rtoMs;
  const promoted = promotions(r.timeline).find((p) => p.tMs > sent && p.tMs <= Math.min(back + PROMOTION_SEEN_LATE_MS, o.toMs));
  if (promoted) {
    // The sampler sees the new role late; Sentinel announces the switch as it happens: the earlier of the two.
    const announced = eventsOf(r.timeline, "sentinel").find((e) => e.detail.channel === "+switch-master" && e.tMs > sent && e.tMs <= promoted.tMs);
    return `${what}: recovered by a failover to ${promoted.node} (switched at ${plusS((announced ?? promoted).tMs - sent)}); writes back at ${plusS(o.rtoMs)}`;
  }
  if (f.healedAtMs !== null && f.healedAtMs <= back)
    return `${what}: no failover; the same primary took writes again at ${plusS(o.rtoMs)}, after the ${f.kind} was healed at ${plusS(f.healedAtMs - sent)}`;
  return `${what}: no failover; the same primary took writes again at ${plusS(o.rtoMs)}, while the ${f.kind} still held`;
}

const percent = (f: number) => (f >= 0.01 ? `${Math.round(f * 100)}%` : formatFraction(f));

/**
 * Why the RTO can be far longer than the longest run of failed writes, in one sentence from the run's numbers. The RTO
 * lasts until 99% of the writes of every 1-second stretch succeed, for good (check/availability.ts); a run of failed
 * writes, all clients' writes in order of intended start, ends at the first one that succeeds. Failures mixed with
 * successes (a cluster's shards still up answering while one fails over) make the first long and the second short.
 * Undefined when the two tell the same story.
 */
export function rtoBeside(r: RunReport): string | undefined {
  const a = r.availability;
  const run = a.longestFailedRun;
  const o = headlineOutage(r);
  if (a.rtoMs === null || !run || !o || a.rtoMs < STRETCH_MS || a.rtoMs < 2 * run.durationMs) return undefined;
  const to = o.fromMs + a.rtoMs;
  const seconds = r.perSecond.filter((s) => s.ops > 0 && s.second * 1000 < to && (s.second + 1) * 1000 > o.fromMs);
  const ops = seconds.reduce((n, s) => n + s.ops, 0);
  if (!ops) return undefined;
  const share = seconds.reduce((n, s) => n + s.errors, 0) / ops;
  const mixed =
    share < 0.9
      ? `mixed with ones that succeeded${capabilitiesOf(r.scenario.topology.kind).has("slots") ? " (the shards still up kept answering)" : ""}`
      : "with a few that succeeded between them";
  return `Why the RTO (${formatMs(a.rtoMs)}) is longer than the longest run of failed writes (${formatMs(Math.round(run.durationMs))}): between ${seconds[0].second} s and ${seconds.at(-1)!.second + 1} s, ${percent(share)} of operations failed, ${mixed}; the RTO lasts until ${SUCCESS_THRESHOLD * 100}% of the writes in every ${STRETCH_MS / 1000}-second stretch succeed, while a run of failed writes ends at the first write that succeeds.`;
}

/** With reused ledger keys (workload.ledgerKeys): how much of the read-back was made as the load went. */
function readAsTheLoadWent(r: RunReport): Fact[] {
  const e = r.timeline.find((t) => t.kind === "read-back");
  const d = e?.kind === "read-back" ? e.detail : undefined;
  if (d?.verifiedDuringLoad === undefined) return [];
  const times = (n: number | undefined, what: string) => (n ? `${formatCount(n)} ${what}${n === 1 ? "" : "s"}` : "");
  const failed = [times(d.failedReads, "read"), times(d.failedRemovals, "removal")].filter(Boolean);
  // Its first sentence: ioredis goes on with advice.
  const why = d.lastError?.split(/\.\s/)[0];
  return [
    [
      "read as the load went",
      {
        text: `${formatCount(d.verifiedDuringLoad)} of ${formatCount(d.writes)} writes`,
        note: `${formatCount(r.scenario.workload.ledgerKeys ?? 0)} keys reused; the rest read after the load${failed.length ? `; made again after failing: ${failed.join(" and ")} (${why})` : ""}`,
      },
    ],
  ];
}

function dataSection(r: RunReport): Section {
  const d = r.dataLoss;
  const blocks: Block[] = [];
  if (!d) blocks.push({ paragraphs: ["Lost writes not measured: the workload keeps no write ledger, or the run did not reach the read-back."] });
  else {
    blocks.push({
      facts: [
        ["writes / acknowledged", `${formatCount(d.writes)} / ${formatCount(d.acknowledged)}`],
        [
          "lost (acknowledged, absent after convergence)",
          {
            text: formatCount(d.lost),
            strong: true,
            tags: [...budgetTag(findCheck(r.verdict, "lostWrites")), ...budgetTag(findCheck(r.verdict, "lostWrites", undefined, "min"))],
          },
        ],
        ["split brain", { text: formatCount(d.splitBrain), note: "acknowledged after the fault was sent, then lost" }],
        ["indeterminate", { text: formatCount(d.indeterminate), note: "failed or timed out, yet present" }],
        ...(d.duplicated !== undefined
          ? ([
              [
                "applied twice",
                {
                  text: formatCount(d.duplicated),
                  note: "found twice after the run (writes are APPENDs): a client resent what the server had done",
                  tags: [...budgetTag(findCheck(r.verdict, "duplicatedWrites")), ...budgetTag(findCheck(r.verdict, "duplicatedWrites", undefined, "min"))],
                },
              ],
            ] as Fact[])
          : []),
        [
          "RPO window",
          {
            ...(d.rpoMs === null ? { text: NONE, note: "no write acknowledged before the fault was lost" } : { text: formatMs(d.rpoMs) }),
            tags: budgetTag(findCheck(r.verdict, "rpo")),
          },
        ],
        ...(d.perFault.length > 1
          ? d.perFault.map(
              (f): Fact => [
                `lost to fault ${f.fault + 1} (${r.faults[f.fault]?.kind ?? "?"})`,
                `${formatCount(f.lost)}${f.splitBrain ? ` (${formatCount(f.splitBrain)} split brain)` : ""}, RPO ${f.rpoMs === null ? NONE : formatMs(f.rpoMs)}`,
              ],
            )
          : []),
        ...(d.lostSample.length ? ([["first lost write ids", d.lostSample.join(", ")]] as Fact[]) : []),
        ...readAsTheLoadWent(r),
        ...(d.duplicatedSample?.length ? ([["first write ids applied twice", d.duplicatedSample.join(", ")]] as Fact[]) : []),
      ],
    });
  }
  const s = r.reads;
  if (s && s.reads > 0) {
    blocks.push({
      title: `Reads of the latest acknowledged write, from the ${s.from}`,
      table: {
        headers: ["phase", "reads", "stale", "stale share", "furthest behind"],
        cls: "numbers",
        rows: [
          ...(["baseline", "fault", "recovery"] as const).map((p) => ({
            cells: [
              p,
              formatCount(s.phases[p].reads),
              formatCount(s.phases[p].stale),
              s.phases[p].reads ? formatFraction(s.phases[p].stale / s.phases[p].reads) : NONE,
              formatMs(s.phases[p].maxStalenessMs),
            ],
          })),
          { cls: "total", cells: ["all (warmup too)", formatCount(s.reads), formatCount(s.stale), formatFraction(s.staleRate), formatMs(s.maxStalenessMs)] },
        ],
      },
    });
  }
  const c = r.convergence;
  if (c)
    blocks.push({
      facts: [
        [
          "convergence",
          {
            text: `${c.converged ? "settled" : "did not settle"} in ${formatMs(c.tookMs)}; primary ${c.primary ?? "?"}; roles ${Object.entries(c.roles)
              .map(([n, role]) => `${n} ${role}`)
              .join(", ")}`,
            strong: !c.converged,
            ...(c.note ? { note: c.note } : {}),
          },
        ],
      ],
    });
  return { id: "data", title: "Data loss and stale reads", blocks };
}

/** The registers workload's check: the verdict, and each violation's counterexample in the order of calls. */
function linearizabilitySection(r: RunReport): Section | undefined {
  const l = r.linearizability;
  if (!l) return undefined;
  const facts: Fact[] = [
    [
      "verdict",
      {
        text: l.result,
        strong: l.result !== "linearizable",
        tags: [...budgetTag(findCheck(r.verdict, "nonLinearizableKeys")), ...budgetTag(findCheck(r.verdict, "nonLinearizableKeys", undefined, "min"))],
      },
    ],
    [
      "history",
      `${formatCount(l.operations)} operations on ${formatCount(l.keys)} keys; ${formatCount(l.indeterminate)} indeterminate (failed or timed out writes, free to take effect later or never)`,
    ],
    ["checked by", `Porcupine in ${formatMs(l.elapsedMs)}, key by key`],
  ];
  if (l.unknownKeys.length)
    facts.push(["undecided", { text: l.unknownKeys.join(", "), strong: true, note: "the search ran out of time on these keys: neither passed nor failed" }]);
  if (l.visualization) facts.push(["visualization", { text: l.visualization, href: l.visualization, note: "Porcupine's view of the counterexamples" }]);
  const blocks: Block[] = [{ facts }];
  for (const v of l.violations)
    blocks.push({
      title: `${v.key}: not linearizable: no single order of these ${v.counterexample.length} operations${v.minimal ? " (none can be left out)" : ""} fits a single copy of the key (of its ${formatCount(v.operations)})${v.counterBound ? "; the increments between them left out, the count went backwards" : ""}`,
      table: {
        headers: ["called", "returned", "client", "operation"],
        cls: "numbers",
        rows: v.counterexample.map((o) => ({
          cells: [
            formatAtS(o.callMs, 3),
            o.returnMs === null ? { text: NONE, note: "no reply: may apply later or never" } : formatAtS(o.returnMs, 3),
            String(o.client),
            describeOp(o),
          ],
        })),
      },
    });
  return { id: "linearizability", title: "Linearizability (registers)", blocks };
}

/** A numeric INFO field of a sample, when it has one. */
const sampled = (s: RunReport["samples"][number], field: string) => (typeof s.values[field] === "number" ? (s.values[field] as number) : undefined);

/**
 * The cache workload: its hit ratio per phase against minHitRatio, when it crossed the seed's alerts, what the servers
 * evicted and what they refused past maxmemory; and the seed's sizing rule (RAM = dataset × 1.5 + overhead) beside the
 * memory the servers really took.
 */
function cacheSection(r: RunReport): Section | undefined {
  const c = r.cache;
  if (!c) return undefined;
  const ratio = (v: number | null) => (v === null ? NONE : formatFraction(v));
  const evicted = new Map<string, { first: number; last: number }>();
  let maxmemory = 0;
  let peakUsed = 0;
  let peakRss = 0;
  for (const s of r.samples) {
    const v = sampled(s, "evicted_keys");
    if (v !== undefined) {
      const e = evicted.get(s.node);
      evicted.set(s.node, { first: Math.min(e?.first ?? v, v), last: Math.max(e?.last ?? v, v) });
    }
    maxmemory = Math.max(maxmemory, sampled(s, "maxmemory") ?? 0);
    peakUsed = Math.max(peakUsed, sampled(s, "used_memory") ?? 0);
    peakRss = Math.max(peakRss, sampled(s, "used_memory_rss") ?? 0);
  }
  const policy = r.scenario.topology.config["maxmemory-policy"] ?? "noeviction (Redis's default)";
  const facts: Fact[] = [
    ["reads", `${formatCount(c.hits + c.misses)}: ${formatCount(c.hits)} hits, ${formatCount(c.misses)} misses`],
    ["hit ratio", ratio(c.hitRatio)],
    ["maxmemory", maxmemory ? `${formatBytes(maxmemory)}, policy ${policy}` : `none set (policy ${policy})`],
    ["keys evicted", formatCount([...evicted.values()].reduce((n, e) => n + e.last - e.first, 0))],
    [
      "writes refused past maxmemory (OOM)",
      {
        text: formatCount(r.total.errorsByClass.OOM ?? 0),
        tags: [...budgetTag(findCheck(r.verdict, "oomErrors")), ...budgetTag(findCheck(r.verdict, "oomErrors", undefined, "min"))],
      },
    ],
    ...c.alerts.map(
      (a): Fact => [
        `below ${Math.round(a.below * 100)}% (the seed's ${a.level})`,
        a.firstSecond === null ? "never" : `from ${a.firstSecond} s on, ${a.seconds} second${a.seconds === 1 ? "" : "s"} in all`,
      ],
    ),
  ];
  if (maxmemory && peakUsed)
    facts.push([
      "the seed's sizing rule (RAM = dataset × 1.5 + overhead)",
      `the data was held at maxmemory (${formatBytes(maxmemory)}), so the rule asks ${formatBytes(maxmemory * 1.5)} plus overhead; the server peaked at ${formatBytes(peakUsed)} used and ${formatBytes(peakRss)} resident: ${(Math.round((peakRss / maxmemory) * 100) / 100).toFixed(2)}× maxmemory, ${peakRss <= maxmemory * 1.5 ? "within" : "beyond"} the rule's 1.5× (a save's copy-on-write comes on top: see the fork study)`,
    ]);
  const blocks: Block[] = [
    { facts },
    {
      table: {
        headers: ["phase", "reads", "hits", "hit ratio", "budget"],
        cls: "numbers",
        rows: ALL_PHASES.filter((p) => c.phases[p].hits + c.phases[p].misses > 0).map((p) => ({
          cells: [
            p,
            formatCount(c.phases[p].hits + c.phases[p].misses),
            formatCount(c.phases[p].hits),
            ratio(c.phases[p].hitRatio),
            p === "warmup" ? "" : { text: "", tags: budgetTag(findCheck(r.verdict, "hitRatio", p, "min")) },
          ],
        })),
      },
    },
  ];
  return { id: "cache", title: "Cache: hits, evictions, maxmemory", blocks };
}

function appSection(r: RunReport): Section | undefined {
  const app = r.app;
  if (!app) return undefined;
  const rows: Row[] = ALL_PHASES.filter((p) => r.phases[p].ops > 0 || app.phases[p].ops > 0).map((p) => {
    const redis = r.phases[p];
    const http = app.phases[p];
    return {
      cells: [
        p,
        formatCount(redis.ops),
        formatCount(redis.errors),
        redis.ops ? formatUs(redis.latency.p99Us) : NONE,
        formatCount(http.ops),
        formatCount(http.errors),
        http.ops ? formatUs(http.latency.p99Us) : NONE,
        http.ops ? formatUs(http.latency.maxUs) : NONE,
      ],
    };
  });
  const statuses = Object.entries(app.httpStatus)
    .map(([k, v]) => `${k} ${formatCount(v)}`)
    .join(", ");
  const behind = errorsByClass(app.redisErrors);
  return {
    id: "app",
    title: "What the application's users saw (HTTP, autocannon)",
    blocks: [
      {
        paragraphs: [
          `${formatValue(app.rate, "req/s")} (${Math.round(app.readShare * 100)}% GET /read, the rest POST /write) over ${app.connections} connections from ${app.autocannonInstances} autocannon instances, to an HTTP service that uses one ${r.scenario.topology.kind} client. Latency: ${app.latencyMeaning}.`,
        ],
        table: {
          headers: ["phase", "Redis ops", "Redis errors", "Redis P99", "HTTP requests", "HTTP errors", "HTTP P99", "HTTP max"],
          rows,
          cls: "numbers app",
        },
        facts: [
          ["RTO seen over HTTP", rtoCell(app.availability)],
          ["RTO at the Redis level", rtoCell(r.availability)],
          ...availabilityFacts(app.availability),
          ["responses", statuses || "none"],
          ...(behind ? ([["the Redis errors behind the 5xx", behind]] as Fact[]) : []),
          ...(app.unfinished
            ? ([["unanswered 3 s after the load stopped", { text: formatCount(app.unfinished), note: "counted as timeouts" }]] as Fact[])
            : []),
        ],
      },
    ],
  };
}

function faultsSection(r: RunReport): Section {
  if (r.faults.length === 0) return { id: "faults", title: "Faults", blocks: [{ paragraphs: ["No fault in this scenario."] }] };
  return {
    id: "faults",
    title: "Faults",
    blocks: r.faults.map((f) => {
      const facts: Fact[] = [
        ["requested / sent", `${formatAtS(f.requestedAtMs)} / ${formatAtS(f.sentAtMs)}`],
        ...(f.sentAtMs !== null && f.observedAtMs !== null
          ? ([["seen to act after the send", `${formatMs(f.observedAtMs - f.sentAtMs)} (the fault phase, RTO and RPO count from the send)`]] as Fact[])
          : []),
        ["healed", f.healedAtMs === null ? { text: "not healed", strong: true } : formatAtS(f.healedAtMs)],
        ...(f.error ? ([["error", { text: f.error, cls: "bad" }]] as Fact[]) : []),
        ...faultDefinition(f.kind)
          .facts(f.details as Record<string, unknown>)
          .filter((x) => x.value !== undefined)
          .map((x): Fact => [x.label, x.value === null ? NONE : typeof x.value === "number" && x.unit ? formatValue(x.value, x.unit) : String(x.value)]),
      ];
      const spans = f.spans?.length
        ? {
            table: {
              headers: ["step", "from", "took", "operations", "failed", "P99", "max"],
              cls: "numbers",
              rows: f.spans.map((s) => ({
                cells: [
                  s.label,
                  formatAtS(s.fromMs),
                  formatMs(s.toMs - s.fromMs),
                  formatCount(s.ops),
                  formatCount(s.errors),
                  formatMs(s.p99Ms),
                  formatMs(s.maxMs),
                ],
              })),
            },
          }
        : undefined;
      return { title: `${f.kind}: ${faultDefinition(f.kind).description}`, facts, ...spans };
    }),
  };
}

function nodesSection(r: RunReport): Section | undefined {
  const blocks: Block[] = [];
  if (r.redirections)
    blocks.push({ facts: [["redirections sent during the load", `MOVED ${formatCount(r.redirections.moved)}, ASK ${formatCount(r.redirections.ask)}`]] });
  if (r.nodeLoad.length > 1)
    blocks.push({
      table: {
        headers: ["node", "commands during the load", "share"],
        cls: "numbers load",
        rows: r.nodeLoad.map((n) => ({ cells: [n.node, formatCount(n.commands), formatFraction(n.share)] })),
      },
    });
  return blocks.length ? { id: "nodes", title: "Nodes", blocks } : undefined;
}

function instrumentSection(r: RunReport): Section {
  const ins = r.instrument;
  const c = ins.calibration;
  const pair = (l: { p50Us: number; p99Us: number }) => `P50 ${formatUs(l.p50Us)}, P99 ${formatUs(l.p99Us)}`;
  const busiest = ins.perSecond.reduce<{ second: number; u: number } | null>(
    (m, s) => (s.eventLoopUtilization !== null && (!m || s.eventLoopUtilization > m.u) ? { second: s.second, u: s.eventLoopUtilization } : m),
    null,
  );
  const facts: Fact[] = [
    ["engine", `${ins.engine}: ${ENGINES[ins.engine].description}`],
    [
      "load's path",
      ins.via === "direct"
        ? "direct to the nodes' own ports (workload.via): no fault-layer hop, and no fault in this run"
        : "through the fault layer (one Toxiproxy hop per node, where faults act)",
    ],
    [
      "calibrated floor",
      c
        ? `PING at ${formatValue(c.ratePerSec, "ops/s")} on each path for ${formatMs(c.durationMs)}: direct ${pair(c.direct)}; through the fault layer ${pair(c.faultLayer)} (the hop adds ${formatUs(c.faultLayerAddedP50Us)} at P50)`
        : { text: NONE, note: "not calibrated (see the progress log)" },
    ],
    [
      "schedule lag",
      r.workload.mode === "open-loop"
        ? `${pair(ins.scheduleLag)}, max ${formatUs(ins.scheduleLag.maxUs)} (intended start to send)`
        : "closed loop: no schedule",
    ],
    [
      "event loop",
      busiest ? `busiest second ${busiest.second}: ${formatFraction(busiest.u)} utilized; ${ins.busySeconds} s over 90%` : { text: NONE, note: "not sampled" },
    ],
    ["harness memory", harnessMemoryFact(r)],
    [
      "verdict",
      ins.driverBound ? `driver-bound: ${ins.driverBound.reasons.join("; ")}` : "the driver kept up: the latencies are Redis's and the path's, above the floor",
    ],
    ...(r.workload.drivers ?? []).map(
      (d): Fact => [
        `driver ${d.driver}`,
        `${formatValue(d.ops, "count")} operations, schedule lag P99 ${formatMs(d.scheduleLagP99Ms)}${d.scheduleLagP99Ms * 1000 > DRIVER_BOUND_LAG_US ? " (held its load back)" : ""}; clock ${d.clockOffsetMs >= 0 ? "+" : ""}${formatMs(d.clockOffsetMs)} ± ${formatMs(d.clockUncertaintyMs)} against the run's; ${d.arrivedWhole ? "all it measured arrived" : "NOT all it measured arrived"}`,
      ],
    ),
  ];
  return { id: "instrument", title: "The instrument: its calibrated floor and whether the driver kept up", blocks: [{ facts }] };
}

/** The harness's RSS over the load, and for a run of minutes how it moved over the load's second half (a soak's must be flat). */
function harnessMemoryFact(r: RunReport): Fact[1] {
  const s = r.harnessMemory?.samples ?? [];
  if (!s.length) return { text: NONE, note: "not sampled (a report of an older harness)" };
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  const trend = memoryTrend(s, r.workload.loadDurationMs);
  const perMin = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(2)} MB a minute`;
  return `RSS ${mb(s[0].rssBytes)} at the start, ${mb(s[s.length - 1].rssBytes)} at the end, peak ${mb(Math.max(...s.map((x) => x.rssBytes)))}${
    trend
      ? `; over the load's last ${trend.minutes.toFixed(0)} minutes RSS ${perMin(trend.rssMBPerMin)}, the heap's floor ${perMin(trend.heapFloorMBPerMin)}`
      : ""
  }`;
}

function environmentSection(r: RunReport): Section {
  const h = r.environment.host;
  const facts: Fact[] = h
    ? [
        ["host (the harness's)", `${h.kernel}; ${h.cores} cores (${h.cpuModel}); ${formatBytes(h.memoryBytes)} memory`],
        ["transparent huge pages / overcommit", `${h.transparentHugePages} / vm.overcommit_memory=${h.overcommitMemory}`],
        ["Docker / Node", `${h.dockerServerVersion} on ${h.dockerOperatingSystem} / ${h.node}`],
        ["the containers' engine", `${h.engine.at}: ${h.engine.cores} cores, ${formatBytes(h.engine.memoryBytes)} memory`],
        ["published ports through docker-proxy", h.dockerUserlandProxy],
      ]
    : [["host", "not recorded"]];
  for (const i of r.environment.images) facts.push([`image ${i.name}`, i.id]);
  const res = r.environment.resources;
  if (res)
    facts.push([
      "resources estimated before the start",
      `memory ${formatBytes(res.memoryBytes)}${res.availableMemoryBytes !== null ? ` of ${formatBytes(res.availableMemoryBytes)} available` : ""} (${res.parts.map((p) => `${p.what}: ${formatBytes(p.bytes)}`).join("; ")})${res.diskBytes ? `; disk ${formatBytes(res.diskBytes)}${res.availableDiskBytes !== null ? ` of ${formatBytes(res.availableDiskBytes)} free` : ""}` : ""}`,
    ]);
  // JSON with a space after each comma and colon: still JSON to copy, and a line can break between options.
  facts.push(["client options (pinned)", JSON.stringify(r.scenario.client, null, 1).replace(/\n\s*/g, " ")]);
  const sec = r.security;
  facts.push(["security", sec ? `${sec.label}: ${securityClaims(sec)}` : "none (set security in the scenario, or --secure)"]);
  if (sec) for (const [node, seen] of Object.entries(sec.refused)) facts.push([`refused by ${node}`, refusals(seen)]);
  return { id: "environment", title: "Environment", blocks: [{ facts, paragraphs: r.environment.warnings.map((w) => `WARNING: ${w}`) }] };
}

/** What a secured run requires of every client. */
function securityClaims(s: NonNullable<SecuritySections["security"]>): string {
  const parts = [
    ...(s.tls ? ["TLS only (plain port off), a client certificate from the run's CA, the server verified by its address"] : []),
    ...(s.auth === "password"
      ? ["a password (requirepass)"]
      : s.auth === "acl"
        ? ["an ACL user: the application's restricted to the workload's keys and commands, an admin user for replication, Sentinel and the harness"]
        : []),
  ];
  return parts.join("; ");
}

const ATTEMPTS: Record<keyof SecurityAttempts, string> = {
  plaintext: "plain text",
  noClientCertificate: "TLS without a client certificate",
  noLogin: "no login",
  appUserForbidden: "the application user",
};

function refusals(seen: SecurityAttempts): string {
  return (Object.keys(ATTEMPTS) as Array<keyof SecurityAttempts>).flatMap((k) => (seen[k] !== undefined ? [`${ATTEMPTS[k]}: ${seen[k]}`] : [])).join("; ");
}

export function runView(r: RunReport): RunView {
  return {
    name: r.scenario.name,
    description: r.scenario.description,
    verdict: verdictWord(r),
    ...(r.problem ? { problem: r.problem } : {}),
    facts: header(r),
    broken: r.verdict.failures,
    inconclusive: r.verdict.inconclusive,
    ...(r.instrument.driverBound
      ? { driverBound: `DRIVER-BOUND: ${r.instrument.driverBound.reasons.join("; ")}. So ${r.instrument.driverBound.limits}.` }
      : {}),
    checksCount: r.verdict.checks.length,
    sections: [
      verdictSection(r),
      latencySection(r),
      availabilitySection(r),
      dataSection(r),
      linearizabilitySection(r),
      cacheSection(r),
      appSection(r),
      faultsSection(r),
      nodesSection(r),
      instrumentSection(r),
      environmentSection(r),
    ].filter((s): s is Section => s !== undefined),
  };
}
