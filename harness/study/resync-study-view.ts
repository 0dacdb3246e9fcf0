import { formatBytes, formatMs, formatNumber } from "../infra/units.js";
import { xyChart, type XyChart } from "../report/xy-chart.js";
import { agreement, backlogNeeded, outageHeld, spareS, type ResyncOutcome, type ResyncPoint } from "./resync-model.js";
import type { ResyncStudy } from "./resync-study.js";
import type { StudyView } from "./study-page.js";

const COLORS: Record<ResyncOutcome, string> = { partial: "#15803d", full: "#dc2626", resumed: "#6b7280" };
const WORDS: Record<ResyncOutcome, string> = {
  partial: "partial resync (+CONTINUE)",
  full: "full resync (+FULLRESYNC)",
  resumed: "no resync (the connection outlived the cut)",
};
/** Redis's default repl-backlog-size, which the answer is set beside. */
const DEFAULT_BACKLOG = 2 ** 20;
/** The seed's advice, as it says it. */
export const SEED_BACKLOG_ADVICE = "Configure repl-backlog-size based on network latency";

const seconds = (s: number) => `${formatNumber(Math.round(s * 10) / 10)} s`;
const outcomes = (s: ResyncStudy) => (["partial", "full", "resumed"] as const).filter((o) => s.points.some((p) => p.outcome === o));

function charts(s: ResyncStudy): XyChart[] {
  if (!s.points.some((p) => p.outcome !== "resumed")) return [];
  const fitted = s.points.filter((p) => p.outcome !== "resumed");
  const lo = Math.min(...fitted.map((p) => Math.min(p.streamBytesDuringCut, p.backlogBytes)));
  const hi = Math.max(...fitted.map((p) => Math.max(p.streamBytesDuringCut, p.backlogBytes)));
  return [
    xyChart({
      id: "boundary",
      title: "Which resync, by the backlog against the stream written while cut off",
      note: `Each point one cut of the master from its replica(s), healed; x: the replication stream the master wrote while the link was cut (master_repl_offset), y: its repl-backlog-size; the colour is what the master counted after the heal. Dashed: backlog = the cut's stream. A partial resync needs the backlog to hold the cut and the seconds until the replica asks again, so the partial points sit above the line. Log–log.`,
      xLabel: "stream written while cut",
      xUnit: "bytes",
      yUnit: "bytes",
      logX: true,
      logY: true,
      layers: [
        ...outcomes(s)
          .filter((o) => o !== "resumed")
          .map((o) => ({
            label: WORDS[o],
            color: COLORS[o],
            kind: "points" as const,
            xy: fitted.filter((p) => p.outcome === o).map((p) => [p.streamBytesDuringCut, p.backlogBytes] as [number, number]),
          })),
        {
          label: "backlog = the cut's stream",
          color: "#9ca3af",
          kind: "line",
          dash: [4, 4],
          xy: [
            [lo / 2, lo / 2],
            [hi * 2, hi * 2],
          ],
        },
      ],
    }),
    xyChart({
      id: "cost",
      title: "What the master's clients saw after the heal",
      note: "The master's P99 from the heal to the end of the load (its clients' own latency: a full sync forks the master and sends it the whole dataset), against the length of the cut, by what the resync was. Dashed across: the baseline P99 of the slowest point.",
      xLabel: "cut (ms)",
      xUnit: "ms",
      yUnit: "ms",
      layers: outcomes(s).map((o) => ({
        label: WORDS[o],
        color: COLORS[o],
        kind: "points" as const,
        xy: s.points.filter((p) => p.outcome === o).map((p) => [p.outageS * 1000, p.p99AfterHealMs] as [number, number]),
      })),
      refs: [{ axis: "y", at: Math.max(...s.points.map((p) => p.p99BaselineMs)), label: "baseline P99 (the highest)", color: "#2563eb" }],
    }),
  ];
}

/** The seed's advice judged by the points: it names latency; the boundary is written bytes over the outage. */
function verdict(s: ResyncStudy): string {
  const b = s.boundary;
  const kinds = new Set(s.points.map((p) => p.outcome));
  if (!kinds.has("partial") || !kinds.has("full"))
    return `Not shown: the points give ${[...kinds].map((k) => WORDS[k]).join(" and ") || "nothing"}, and the boundary needs both a partial and a full resync. Add a smaller --backlogs value or a longer --outages value.`;
  if (!b.consistent)
    return `Not shown: a full resync held more spare backlog than a partial one (${formatNumber(b.extraS.above!)} s against ${formatNumber(b.extraS.atMost!)} s), so no single boundary separates them on this host. Repeat the points (--repeats).`;
  const a = agreement(b, s.points);
  const resumed = s.points.filter((p) => p.outcome === "resumed");
  return `Not the measure that decides it. Whether a replica resumed (partial) or started over (full) followed the bytes written while it was cut off, against the backlog: ${a.agree} of ${a.of} points fall on the side the boundary puts them (backlog ≥ writes/s × ${formatNumber(b.bytesPerWrite!)} B × (outage + ${formatNumber(Math.max(0, b.extraS.atMost!))} s)). Latency enters only as the length of the outage${resumed.length ? `; ${resumed.length} point${resumed.length > 1 ? "s" : ""} came back with no resync at all` : ""}. Size the backlog for the longest outage to be survived at the peak write rate, as the table below does.`;
}

function neededTable(s: ResyncStudy) {
  const rates = [...new Set(s.points.map((p) => p.writeRate))].sort((a, b) => a - b);
  const outagesAsked = [...new Set([...s.outages, 30, 60])].sort((a, b) => a - b);
  return {
    cls: "numbers",
    headers: ["outage", ...rates.map((r) => `${formatNumber(r)} writes/s`)],
    rows: [
      ...outagesAsked.map((t) => ({
        cells: [seconds(t), ...rates.map((r) => formatOrDash(backlogNeeded(s.boundary, t, r), formatBytes))],
      })),
      { cells: ["the default 1 MB holds", ...rates.map((r) => formatOrDash(outageHeld(s.boundary, DEFAULT_BACKLOG, r), seconds))] },
    ],
  };
}

const formatOrDash = <T>(v: T | null, f: (v: T) => string) => (v === null ? "–" : f(v));

/** Several replicas resyncing at once, and disk against diskless: the full resyncs side by side. */
function stormTable(s: ResyncStudy) {
  const full = s.points.filter((p) => p.outcome === "full");
  const groups = [...new Set(full.map((p) => `${p.sync}|${p.replicas}`))].sort();
  return {
    cls: "numbers",
    headers: ["sync", "replicas", "points", "full syncs served", "forks", "in sync after the heal", "P99 after the heal", "max after the heal"],
    rows: groups.map((g) => {
      const ps = full.filter((p) => `${p.sync}|${p.replicas}` === g);
      const range = (v: number[], f: (x: number) => string) => (Math.min(...v) === Math.max(...v) ? f(v[0]) : `${f(Math.min(...v))}–${f(Math.max(...v))}`);
      const columns: Array<[(p: ResyncPoint) => number, (x: number) => string]> = [
        [(p) => p.full, formatNumber],
        [(p) => p.forks, formatNumber],
        [(p) => p.inSyncAfterHealMs ?? 0, formatMs],
        [(p) => p.p99AfterHealMs, formatMs],
        [(p) => p.maxAfterHealMs, formatMs],
      ];
      return { cells: [ps[0].sync, String(ps[0].replicas), String(ps.length), ...columns.map(([pick, f]) => range(ps.map(pick), f))] };
    }),
  };
}

const pointRow = (p: ResyncPoint) => ({
  cls: p.outcome === "full" ? "broken" : "",
  cells: [
    formatBytes(p.backlogBytes),
    seconds(p.outageS),
    formatNumber(p.writeRate),
    String(p.replicas),
    p.sync,
    `${WORDS[p.outcome]}${p.partialRefused ? ` (${p.partialRefused} partial refused)` : ""}`,
    formatBytes(p.streamBytesDuringCut),
    p.outcome === "resumed" ? "–" : seconds(spareS(p)),
    formatNumber(p.forks),
    formatOrDash(p.inSyncAfterHealMs, formatMs),
    formatMs(p.p99BaselineMs),
    formatMs(p.p99AfterHealMs),
    formatMs(p.maxAfterHealMs),
    `${p.run}${p.driverBound ? " (driver-bound)" : ""}`,
  ],
});

export function resyncStudyView(s: ResyncStudy): StudyView {
  const b = s.boundary;
  return {
    title: "Resync study: the replication backlog against outages",
    intro: `Each point a fresh master with its replica(s) under a write load (the lean engine, SET of ${formatBytes(s.valueBytes)} values over a ${formatBytes(s.datasetBytes)} dataset), the master cut off from every replica both ways for the outage (its clients still reach it), then healed; the master's own counts (sync_full, sync_partial_ok, sync_partial_err, total_forks) say how the replicas caught up. A full sync sends the whole dataset (rdbcompression off: the preloaded values would compress to almost nothing). The fault layer drops what the link carried meanwhile and closes the connection at the heal (Toxiproxy's blackhole), so every cut ends with the replica reconnecting and asking to resume from its offset, whatever repl-timeout says (Redis's default here).`,
    facts: [
      ["backlogs", s.backlogs.map(formatBytes).join(", ")],
      ["outages", s.outages.map(seconds).join(", ")],
      ["writes/s", s.rates.map(formatNumber).join(", ")],
      ["replicas cut at once", s.replicas.join(", ")],
      ["sync", s.syncs.join(", ")],
      ["points", `${s.points.length}${s.skipped.length ? ` (${s.skipped.length} skipped)` : ""}`],
      ["bytes of stream per write", b.bytesPerWrite === null ? "–" : `${formatNumber(b.bytesPerWrite)} B`],
    ],
    headline: [
      { title: `The seed's advice: "${SEED_BACKLOG_ADVICE}"`, paragraphs: [verdict(s)] },
      { title: "The backlog a partial resync needs", paragraphs: [neededNote(s)], table: neededTable(s) },
    ],
    charts: charts(s),
    sections: [
      ...(s.points.some((p) => p.outcome === "full")
        ? [
            {
              id: "storm",
              title: "Full resyncs: replicas at once, disk or diskless",
              blocks: [
                {
                  paragraphs: [
                    "Every point that ended in a full resync, grouped by how many replicas were cut off together and how the master sent its dataset (disk: an RDB written by a fork, then sent; diskless: a fork streams it to the replicas, after waiting repl-diskless-sync-delay for more of them).",
                  ],
                  table: stormTable(s),
                },
              ],
            },
          ]
        : []),
      {
        id: "points",
        title: "Points",
        blocks: [
          {
            table: {
              cls: "numbers",
              headers: [
                "backlog",
                "cut",
                "writes/s",
                "replicas",
                "sync",
                "resync",
                "stream while cut",
                "spare",
                "forks",
                "in sync after heal",
                "P99 before",
                "P99 after heal",
                "max after heal",
                "run",
              ],
              rows: s.points.map(pointRow),
            },
          },
          ...(s.skipped.length ? [{ paragraphs: s.skipped.map((k) => `Skipped: ${k.point}: ${k.reason}.`) }] : []),
        ],
      },
    ],
  };
}

function neededNote(s: ResyncStudy): string {
  const b = s.boundary;
  if (backlogNeeded(b, 1, 1) === null)
    return "Not sized: the points bound the extra seconds only once some cut resumed with a partial resync (and none contradicts another).";
  return `Writes/s × ${formatNumber(b.bytesPerWrite!)} B a write (the stream measured here, for ${formatBytes(s.valueBytes)} values) × (the outage + ${formatNumber(Math.max(0, b.extraS.atMost!))} s): the seconds beyond the cut that the partial points showed the backlog must hold (the replica reconnects after the heal; the full points put it above ${b.extraS.above === null ? "–" : `${formatNumber(b.extraS.above)} s`}). Outages of 30 s and 60 s are extrapolated.`;
}
