import { formatBytes, formatMs, formatNumber } from "../infra/units.js";
import { xyChart, type XyChart, type XyLayer } from "../report/xy-chart.js";
import { fittedPoints, PUBLISHED_FORK_MS_PER_GB, SEED_SIZE_BYTES, type ForkPoint } from "./fork-model.js";
import type { ForkStudy } from "./fork-study.js";
import type { StudyView } from "./study-page.js";

const GB = 2 ** 30;
const gib = (b: number) => b / GB;
/** One colour per load rate: points at different rates are told apart on every plot. */
const RATE_COLORS = ["#2563eb", "#dc2626", "#059669", "#7c3aed", "#d97706"];
const interval = (ci: [number, number], unit = "") => `${formatNumber(ci[0])}–${formatNumber(ci[1])}${unit}`;

/** The points one layer per write rate; the THP variant's in a layer of their own. */
function byRate(s: ForkStudy, label: (rate: number) => string, xy: (p: ForkPoint) => [number, number]): XyLayer[] {
  const plain = s.points.filter((p) => !p.thp && !p.persistence);
  const rates = [...new Set(plain.map((p) => p.writeRate))].sort((a, b) => a - b);
  const thp = s.points.filter((p) => p.thp);
  const aof = s.points.filter((p) => p.persistence === "aof" && !p.thp);
  return [
    ...rates.map((r, i) => ({
      label: label(r),
      color: RATE_COLORS[i % RATE_COLORS.length],
      kind: "points" as const,
      xy: plain.filter((p) => p.writeRate === r).map(xy),
    })),
    ...(aof.length ? [{ label: plain.length ? "AOF rewrite (not fitted)" : "AOF rewrite", color: "#ca8a04", kind: "points" as const, xy: aof.map(xy) }] : []),
    ...(thp.length ? [{ label: "transparent huge pages on (not fitted)", color: "#0891b2", kind: "points" as const, xy: thp.map(xy) }] : []),
  ];
}

function charts(s: ForkStudy): XyChart[] {
  if (s.points.length === 0) return [];
  const out: XyChart[] = [];
  const maxGb = Math.max(...s.curve.map((c) => c.gb), ...s.points.map((p) => gib(p.rssBytes)));
  const published = PUBLISHED_FORK_MS_PER_GB.filter((p) => p.platform !== "Xen").map((p, i) => ({
    label: `published: ${p.platform} ${p.msPerGb[0] === p.msPerGb[1] ? p.msPerGb[0] : `${p.msPerGb[0]}–${p.msPerGb[1]}`} ms/GB`,
    color: ["#9ca3af", "#a78bfa", "#f472b6"][i],
    kind: "line" as const,
    dash: [3, 3],
    xy: [0.05, maxGb].map((g) => [g, g * ((p.msPerGb[0] + p.msPerGb[1]) / 2)] as [number, number]),
  }));
  const sizeRefs = [
    { axis: "x" as const, at: gib(SEED_SIZE_BYTES), label: "the seed's 25 GB", color: "#6b7280" },
    ...(s.targetBytes !== SEED_SIZE_BYTES
      ? [{ axis: "x" as const, at: gib(s.targetBytes), label: `your target ${formatBytes(s.targetBytes)}`, color: "#0f766e" }]
      : []),
  ];
  out.push(
    xyChart({
      id: "fork",
      title: "Fork time against the dataset's RSS",
      note: `Each point one BGSAVE (latest_fork_usec), coloured by writes/s during the save; the solid line is the least-squares fit with its 95% band, drawn out to the sizes asked about (beyond ${3}× the largest measured it is an extrapolation). Dashed: Redis's published per-platform cost (Xen, 239–424 ms/GB, is off this scale). Dashed across: the seed's claim of a 100 ms–1 s freeze. Log–log.`,
      xLabel: "GiB of RSS",
      xUnit: "GiB",
      yUnit: "ms",
      logX: true,
      logY: true,
      layers: [
        ...byRate(
          s,
          (r) => `measured at ${formatNumber(r)} writes/s`,
          (p) => [gib(p.rssBytes), p.forkMs],
        ),
        ...(s.fit
          ? [
              {
                label: `fit: ${formatNumber(s.fit.forkMsPerGb)} ms/GiB`,
                color: "#111827",
                kind: "line" as const,
                xy: s.curve.map((c) => [c.gb, c.forkMs] as [number, number]),
              },
            ]
          : []),
        ...published,
      ],
      bands: s.fit
        ? [{ label: "fit, 95% interval", color: "#111827", lower: s.curve.map((c) => [c.gb, c.ci95[0]]), upper: s.curve.map((c) => [c.gb, c.ci95[1]]) }]
        : [],
      refs: [
        { axis: "y", at: 100, label: "seed: fork freezes 100 ms…", color: "#b91c1c" },
        { axis: "y", at: 1000, label: "…to 1 s", color: "#b91c1c" },
        ...sizeRefs,
      ],
    }),
  );
  const keptUp = s.points.filter((p) => !p.driverBound);
  out.push(
    xyChart({
      id: "latency",
      title: "Latency during the save, beside the same run's baseline",
      note: "Per point whose driver kept up: the load's P99 before the save (baseline), P99 and max while the save ran. Light: the P99 during the save of points whose driver could not keep its schedule, an upper bound of Redis's (the driver's lag is in it). Dashed across: the seed's claim that P99 goes to 100 ms and more during a save. Log scale.",
      xLabel: "GiB of RSS",
      xUnit: "GiB",
      yUnit: "ms",
      logY: true,
      layers: [
        { label: "P99 baseline", color: "#6b7280", kind: "points", xy: keptUp.map((p) => [gib(p.rssBytes), p.p99BaselineMs]) },
        { label: "P99 during the save", color: "#f59e0b", kind: "points", xy: keptUp.map((p) => [gib(p.rssBytes), p.p99SaveMs]) },
        { label: "max during the save", color: "#dc2626", kind: "points", xy: keptUp.map((p) => [gib(p.rssBytes), p.maxSaveMs]) },
        {
          label: "P99 during the save, driver-bound (upper bound)",
          color: "#d6d3d1",
          kind: "points",
          xy: s.points.filter((p) => p.driverBound).map((p) => [gib(p.rssBytes), p.p99SaveMs]),
        },
      ],
      refs: [{ axis: "y", at: 100, label: "seed: P99 100 ms+ during a save", color: "#b91c1c" }],
    }),
  );
  const writes = (p: ForkPoint) => p.writeRate * (p.saveMs / 1000);
  const maxWrites = Math.max(...s.points.map(writes));
  out.push(
    xyChart({
      id: "cow",
      title: "Copy-on-write against the writes made during the save",
      note: "rdb_last_cow_size against writes/s × the save's duration; the line is the fit (bytes per write). A write copies the whole page it lands on while the child still needs it.",
      xLabel: "writes during the save",
      xUnit: "writes",
      yUnit: "bytes",
      layers: [
        ...byRate(
          s,
          (r) => `${formatNumber(r)} writes/s`,
          (p) => [writes(p), p.cowBytes],
        ),
        ...(s.cowFit
          ? [
              {
                label: `fit: ${formatNumber(s.cowFit.bytesPerWrite)} bytes/write`,
                color: "#111827",
                kind: "line" as const,
                xy: [0, maxWrites].map((w) => [w, s.cowFit!.interceptBytes + s.cowFit!.bytesPerWrite * w] as [number, number]),
              },
            ]
          : []),
      ],
    }),
  );
  out.push(
    xyChart({
      id: "save",
      title: "Save duration against the dataset's RSS",
      note: "BGSAVE from start to the end seen in INFO persistence, under the load; the line is the fit.",
      xLabel: "GiB of RSS",
      xUnit: "GiB",
      yUnit: "ms",
      layers: [
        ...byRate(
          s,
          (r) => `${formatNumber(r)} writes/s`,
          (p) => [gib(p.rssBytes), p.saveMs],
        ),
        ...(s.saveFit
          ? [
              {
                label: `fit: ${formatNumber(s.saveFit.forkMsPerGb)} ms/GiB`,
                color: "#111827",
                kind: "line" as const,
                xy: [0, maxGb].map((g) => [g, s.saveFit!.forkMsIntercept + s.saveFit!.forkMsPerGb * g] as [number, number]),
              },
            ]
          : []),
      ],
    }),
  );
  return out;
}

/** The fork study as a reader sees it: the claims first, the plots, then the model, the published table, every point. */
/** How far a size asked about lies from what was measured (the largest RSS among the fitted points). */
function reachOf(s: ForkStudy): (e: { sizeBytes: number; beyondMeasured: boolean }) => string {
  const largest = Math.max(0, ...fittedPoints(s.points).map((p) => p.rssBytes));
  return (e) =>
    e.beyondMeasured
      ? `extrapolation: beyond 3× the largest RSS measured (${formatBytes(largest)})`
      : e.sizeBytes <= largest
        ? "within the measured range"
        : `beyond the largest RSS measured (${formatBytes(largest)}), within 3× of it`;
}

export function forkStudyView(s: ForkStudy): StudyView {
  const model = [];
  const reach = reachOf(s);
  if (s.fit) {
    model.push(
      `fork: **${formatNumber(s.fit.forkMsPerGb)} ms per GiB of RSS** (95% interval ${interval(s.fit.ci95)}), intercept ${formatMs(s.fit.forkMsIntercept)}, R² ${formatNumber(s.fit.r2)}, ${s.fit.n} points`,
    );
    if (s.saveFit)
      model.push(
        `save duration: ${formatNumber(s.saveFit.forkMsPerGb)} ms per GiB (95% interval ${interval(s.saveFit.ci95)}), R² ${formatNumber(s.saveFit.r2)}`,
      );
    if (s.cowFit)
      model.push(
        `copy-on-write: ${formatNumber(s.cowFit.bytesPerWrite)} bytes per write made during the save (95% interval ${interval(s.cowFit.ci95)}), R² ${formatNumber(s.cowFit.r2)}`,
      );
  }
  return {
    title: "Fork study: BGSAVE cost against dataset size",
    intro:
      "Each point: a fresh standalone server loaded to the size, an open-loop load (half writes, over the dataset's own keys), BGSAVE a few seconds in; fork time, copy-on-write, save duration and the load's latency during the save beside its baseline.",
    facts: [
      ["sizes", s.sizes.map(formatBytes).join(", ")],
      ["load", `${s.rates.map(formatNumber).join(", ")} ops/s, half writes`],
      ["repeats", String(s.repeats)],
      ["saves", s.persistence.map((p) => (p === "aof" ? "AOF rewrite (BGREWRITEAOF)" : "RDB snapshot (BGSAVE)")).join(", ")],
      ["points", `${s.points.length} measured, ${s.skipped.length} skipped`],
      ["target", formatBytes(s.targetBytes)],
      ...(s.thp ? [["transparent huge pages", `host ${s.thp.host}; variant ${s.thp.ran ? "measured" : s.thp.why}`] as [string, string]] : []),
    ],
    headline: [
      {
        title: "The seed's claims",
        table: {
          headers: ["claim", "verdict", "measured"],
          rows: s.claims.map((c) => ({ cells: [c.claim, { text: c.verdict, strong: true }, c.measured], data: { verdict: c.verdict } })),
        },
      },
    ],
    charts: charts(s),
    sections: [
      {
        id: "model",
        title: "Model",
        blocks: [
          { paragraphs: [...model, ...s.notes] },
          ...(s.extrapolations.length
            ? [
                {
                  title: "Fork time at the sizes asked about",
                  table: {
                    headers: ["size", "fork", "95% interval", ""],
                    rows: s.extrapolations.map((e) => ({ cells: [formatBytes(e.sizeBytes), formatMs(e.forkMs), interval(e.ci95, " ms"), reach(e)] })),
                  },
                },
              ]
            : []),
          {
            title: "Published fork cost (redis.io, latency documentation) beside the one measured here",
            table: {
              headers: ["platform", "ms per GB"],
              rows: [
                ...PUBLISHED_FORK_MS_PER_GB.map((p) => ({
                  cells: [p.platform, p.msPerGb[0] === p.msPerGb[1] ? formatNumber(p.msPerGb[0]) : `${p.msPerGb[0]}–${p.msPerGb[1]}`],
                })),
                { cells: [{ text: "this host (measured)", strong: true }, s.fit ? formatNumber(s.fit.forkMsPerGb) : "–"] },
              ],
            },
          },
        ],
      },
      {
        id: "points",
        title: "Points",
        blocks: [
          {
            table: {
              cls: "numbers",
              headers: [
                "size",
                "save",
                "THP",
                "RSS",
                "writes/s",
                "fork (ms)",
                "copy-on-write",
                "save (ms)",
                "P99 baseline (ms)",
                "P99 during save (ms)",
                "max during save (ms)",
                "driver",
                "run",
              ],
              rows: s.points.map((p) => ({
                cells: [
                  formatBytes(p.sizeBytes),
                  p.persistence === "aof" ? "BGREWRITEAOF" : "BGSAVE",
                  p.thp ? "on" : "off",
                  formatBytes(p.rssBytes),
                  formatNumber(p.writeRate),
                  formatNumber(p.forkMs),
                  formatBytes(p.cowBytes),
                  formatNumber(Math.round(p.saveMs)),
                  formatNumber(p.p99BaselineMs),
                  formatNumber(p.p99SaveMs),
                  formatNumber(p.maxSaveMs),
                  p.driverBound ? "driver-bound" : "kept up",
                  p.run,
                ],
              })),
            },
          },
          ...(s.skipped.length
            ? [{ title: "Skipped", paragraphs: s.skipped.map((k) => `${formatBytes(k.sizeBytes)} at ${formatNumber(k.writeRate)} ops/s: ${k.reason}`) }]
            : []),
        ],
      },
    ],
  };
}
