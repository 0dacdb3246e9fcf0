import { formatBytes } from "../infra/units.js";
import { markdownTable } from "../report/table.js";
import { PUBLISHED_FORK_MS_PER_GB } from "./fork-model.js";
import type { ForkStudy } from "./fork-study.js";

const n = (x: number, d = 2) => (Math.round(x * 10 ** d) / 10 ** d).toLocaleString("en-US");

/** study.md: the claims first, then the fit and its extrapolations, the published fork table, every point, what was skipped. */
export function renderForkStudyMarkdown(s: ForkStudy): string {
  const L: string[] = ["# Fork study: BGSAVE cost against dataset size", ""];
  L.push(`Sizes ${s.sizes.map(formatBytes).join(", ")}; load ${s.rates.join(", ")} ops/s (half writes, over the dataset's keys); ${s.repeats} repeat(s); ${s.points.length} point(s) measured, ${s.skipped.length} skipped.`, "");
  L.push("## The seed's claims", "");
  L.push(...markdownTable({ headers: ["claim", "verdict", "measured"], rows: s.claims.map((c) => ({ cells: [c.claim, c.verdict, c.measured] })) }), "");
  L.push("## Model", "");
  if (s.fit) {
    L.push(`- fork: **${n(s.fit.forkMsPerGb)} ms per GiB of RSS** (95% interval ${n(s.fit.ci95[0])}–${n(s.fit.ci95[1])}), intercept ${n(s.fit.forkMsIntercept)} ms, R² ${n(s.fit.r2, 3)}, ${s.fit.n} points`);
    if (s.saveFit) L.push(`- save duration: ${n(s.saveFit.forkMsPerGb)} ms per GiB (95% interval ${n(s.saveFit.ci95[0])}–${n(s.saveFit.ci95[1])}), R² ${n(s.saveFit.r2, 3)}`);
    if (s.cowFit) L.push(`- copy-on-write: ${n(s.cowFit.bytesPerWrite, 0)} bytes per write made during the save (95% interval ${n(s.cowFit.ci95[0], 0)}–${n(s.cowFit.ci95[1], 0)}), R² ${n(s.cowFit.r2, 3)}`);
    L.push("");
    L.push(
      ...markdownTable({
        headers: ["size", "fork (ms)", "95% interval (ms)", ""],
        rows: s.extrapolations.map((e) => ({ cells: [formatBytes(e.sizeBytes), n(e.forkMs), `${n(e.ci95[0])}–${n(e.ci95[1])}`, e.beyondMeasured ? "extrapolation: beyond 3× the largest size measured" : "within the measured range"] })),
      }),
      "",
    );
  }
  for (const note of s.notes) L.push(`- ${note}`);
  L.push("", "Published fork cost (redis.io, latency documentation) beside the one measured here:", "");
  L.push(
    ...markdownTable({
      headers: ["platform", "ms per GB (published)"],
      rows: [...PUBLISHED_FORK_MS_PER_GB.map((p) => ({ cells: [p.platform, p.msPerGb[0] === p.msPerGb[1] ? n(p.msPerGb[0]) : `${p.msPerGb[0]}–${p.msPerGb[1]}`] })), { cells: ["this host (measured)", s.fit ? n(s.fit.forkMsPerGb) : "–"] }],
    }),
    "",
  );
  L.push("## Points", "");
  L.push(
    ...markdownTable({
      headers: ["size", "RSS", "writes/s", "fork (ms)", "copy-on-write", "save (ms)", "P99 baseline (ms)", "P99 during save (ms)", "max during save (ms)", "run"],
      rows: s.points.map((p) => ({ cells: [formatBytes(p.sizeBytes), formatBytes(p.rssBytes), String(p.writeRate), n(p.forkMs, 3), formatBytes(p.cowBytes), n(p.saveMs, 0), n(p.p99BaselineMs), n(p.p99SaveMs), n(p.maxSaveMs), p.run] })),
    }),
    "",
  );
  if (s.skipped.length) L.push("## Skipped", "", ...s.skipped.map((k) => `- ${formatBytes(k.sizeBytes)} at ${k.writeRate} ops/s: ${k.reason}`), "");
  return L.join("\n");
}
