import { formatFraction, formatMs, formatNumber, formatValue } from "../infra/units.js";
import { xyChart, type XyChart } from "../report/xy-chart.js";
import type { StudyView } from "./study-page.js";
import { provesSlo, type ThroughputStudy } from "./throughput-study.js";

const rate = (v: number) => formatValue(v, "ops/s");

function charts(s: ThroughputStudy): XyChart[] {
  if (s.steps.length === 0) return [];
  // The lines join the steps that counted; a step repeated to confirm a stop is a point of its own beside them.
  const counted = s.steps.filter((st) => !st.repeated);
  const repeated = s.steps.filter((st) => st.repeated);
  const at = (pick: (st: ThroughputStudy["steps"][number]) => number) => counted.map((st) => [st.achievedRate, pick(st)] as [number, number]);
  const bound = counted.filter((st) => st.driverBound);
  const broke = counted.filter((st) => !st.driverBound && !st.meetsSlo);
  const maxTarget = Math.max(...s.steps.map((st) => st.targetRate));
  return [
    xyChart({
      id: "knee",
      title: "Latency against the rate achieved",
      note: `Each step a fresh ${s.topology} under an open-loop load, latency from each operation's intended start. Dashed across: the P99 objective; dashed up: the highest rate whose step proved it met (P99, the driver's lag included, under the objective at the rate asked). Circled: steps where the driver was the bottleneck (their latency is partly the driver's), steps that broke the objective, and first tries that were repeated to confirm a stop. Log–log.`,
      xLabel: "achieved ops/s",
      xUnit: "ops/s",
      yUnit: "ms",
      logX: true,
      logY: true,
      layers: [
        { label: "P50", color: "#2563eb", kind: "line", xy: at((st) => st.p50Ms) },
        { label: "P99", color: "#f59e0b", kind: "line", xy: at((st) => st.p99Ms) },
        { label: "P99.9", color: "#dc2626", kind: "line", xy: at((st) => st.p999Ms) },
        ...(bound.length
          ? [
              {
                label: "driver-bound step (P99)",
                color: "#6b7280",
                kind: "points" as const,
                xy: bound.map((st) => [st.achievedRate, st.p99Ms] as [number, number]),
              },
            ]
          : []),
        ...(broke.length
          ? [
              {
                label: "broke the objective (P99)",
                color: "#b91c1c",
                kind: "points" as const,
                xy: broke.map((st) => [st.achievedRate, st.p99Ms] as [number, number]),
              },
            ]
          : []),
        ...(repeated.length
          ? [
              {
                label: "first try, repeated (P99)",
                color: "#a855f7",
                kind: "points" as const,
                xy: repeated.map((st) => [st.achievedRate, st.p99Ms] as [number, number]),
              },
            ]
          : []),
      ],
      refs: [
        { axis: "y", at: s.sloP99Ms, label: `objective: P99 ≤ ${formatMs(s.sloP99Ms)}`, color: "#b91c1c" },
        ...(s.maxRateAtSlo !== null
          ? [{ axis: "x" as const, at: s.maxRateAtSlo, label: `max at the objective: ${rate(s.maxRateAtSlo)}`, color: "#15803d" }]
          : []),
      ],
    }),
    xyChart({
      id: "achieved",
      title: "Rate achieved against the rate asked for",
      note: "Operations that succeeded per second after the warm-up, against the open-loop rate the step asked for; dashed: achieved = asked. A point under the line fell behind (errors, or a driver that could not keep up).",
      xLabel: "asked ops/s",
      xUnit: "ops/s",
      yUnit: "ops/s",
      layers: [
        { label: "achieved", color: "#2563eb", kind: "points", xy: counted.map((st) => [st.targetRate, st.achievedRate]) },
        {
          label: "achieved = asked",
          color: "#9ca3af",
          kind: "line",
          dash: [4, 4],
          xy: [
            [0, 0],
            [maxTarget, maxTarget],
          ],
        },
      ],
    }),
  ];
}

function answer(s: ThroughputStudy): string {
  const floor = `The instrument's own floor reached the objective (${s.stopped}): measure with a looser objective, or on a quieter host, to find the topology's limit.`;
  if (s.maxRateAtSlo === null)
    return s.stoppedBy === "driver"
      ? `No rate measured: the driver was the bottleneck before any step met the objective.`
      : s.stoppedBy === "floor"
        ? `No rate measured. ${floor}`
        : `No step met P99 ≤ ${formatMs(s.sloP99Ms)} on this host, even the first.`;
  const limit =
    s.stoppedBy === "driver"
      ? " The driver, not the topology, was the limit: the topology sustains at least this."
      : s.stoppedBy === "floor"
        ? ` The topology sustains at least this. ${floor}`
        : s.stoppedBy === "max-rate"
          ? " Every step up to --max-rate met it: the topology's limit is higher."
          : "";
  return `Highest rate at P99 ≤ ${formatMs(s.sloP99Ms)}: ${rate(s.maxRateAtSlo)}.${limit}`;
}

export function throughputStudyView(s: ThroughputStudy): StudyView {
  return {
    title: `Throughput study: ${s.topology} at P99 ≤ ${formatMs(s.sloP99Ms)}`,
    intro: `The open-loop rate stepped ×1.5, a fresh ${s.topology} each step (the lean engine straight to the nodes, no fault-layer hop: random keys, ${formatNumber(s.readRatio * 100)}% reads, ${s.stepSeconds} s measured after a warm-up), until P99 broke the objective or the driver became the bottleneck. A step that would end the study is run a second time at the same rate, and ends it only if the repeat does too (a shared host stalls now and then).`,
    facts: [
      ["topology", s.topology],
      ["objective", `P99 ≤ ${formatMs(s.sloP99Ms)}, errors ≤ 0.1%`],
      ["steps", String(s.steps.length)],
      ["stopped", s.stopped || "running"],
    ],
    headline: [{ title: "Answer", paragraphs: [answer(s)] }],
    charts: charts(s),
    sections: [
      {
        id: "steps",
        title: "Steps",
        blocks: [
          {
            table: {
              cls: "numbers",
              headers: ["asked", "achieved", "P50", "P99", "P99.9", "errors", "", "run"],
              rows: s.steps.map((st) => ({
                cls: provesSlo(st) ? "" : "broken",
                data: { rate: String(st.targetRate) },
                cells: [
                  rate(st.targetRate),
                  rate(st.achievedRate),
                  formatMs(st.p50Ms),
                  formatMs(st.p99Ms),
                  formatMs(st.p999Ms),
                  formatFraction(st.errorRate),
                  `${st.meetsSlo ? "meets the objective" : "breaks the objective"}${st.driverBound ? `; driver-bound: ${st.driverBoundWhy}${provesSlo(st) ? " (met even so: the lag is inside the P99)" : ""}` : ""}${st.repeated ? " (repeated once to confirm; the next row counts)" : ""}`,
                  st.run,
                ],
              })),
            },
          },
        ],
      },
    ],
  };
}
