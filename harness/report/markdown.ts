import { ALL_PHASES } from "../check/phases.js";
import { describeCheck } from "../check/verdict.js";
import { ERROR_CLASSES } from "../measure/errors.js";
import { formatBytes, formatMs, formatUs } from "../scenario/units.js";
import type { RunReport } from "./types.js";
import { verdictWord } from "./outcome.js";

const ms = formatMs;

/** The human summary of a run: verdict first, then the numbers that back it. */
export function renderMarkdown(r: RunReport): string {
  const s = r.scenario;
  const lines: string[] = [];
  lines.push(`# ${s.name}: **${verdictWord(r)}**`, "");
  if (s.description) lines.push(s.description, "");
  if (r.problem) lines.push(`> ${r.problem}`, "");
  const server = r.topology ? `${r.topology.server.server} ${r.topology.server.version}` : "not started";
  lines.push(
    `- topology: ${s.topology.kind}, ${server}, image \`${r.topology?.image ?? s.topology.image ?? "?"}\``,
    `- load: ${r.workload.mode}${r.workload.mode === "open-loop" ? ` at ${s.workload.rate} ops/s` : ""}, ${s.workload.connections} connections, ` +
      `read ratio ${s.workload.readRatio}, ${s.workload.valueBytes}-byte values, ${r.workload.issued} operations in ${ms(r.workload.loadDurationMs)}`,
    `- latency means: ${r.workload.latencyMeaning}`,
    `- dataset: ${r.dataset.keys} keys requested as ${formatBytes(r.dataset.requestedBytes)}` +
      (r.dataset.usedMemoryBytes !== null ? `, used_memory ${formatBytes(r.dataset.usedMemoryBytes)}` : ""),
    `- started ${r.startedAt}, finished ${r.finishedAt}`,
    "",
  );

  lines.push("## Verdict", "");
  if (r.verdict.checks.length === 0) lines.push("No budgets declared.", "");
  else {
    lines.push("| check | budget | measured | result |", "|---|---|---|---|");
    for (const c of r.verdict.checks) {
      const f = (v: number | null) =>
        v === null ? `– (${c.note ?? "no data"})` : c.unit === "ms" ? `${v} ms` : c.unit === "writes" ? `${v} writes` : `${(v * 100).toFixed(3)}%`;
      lines.push(`| ${c.name} | ${c.atLeast ? "≥" : "≤"} ${f(c.budget)} | ${f(c.measured)} | ${c.pass ? "pass" : "**FAIL**"} |`);
    }
    lines.push("");
    for (const c of r.verdict.checks.filter((c) => !c.pass)) lines.push(`- FAILED ${describeCheck(c)}`);
    if (r.verdict.failures.length) lines.push("");
  }

  lines.push("## Latency per phase (from intended start)", "");
  lines.push("| phase | window | ops | errors | P50 | P99 | P99.9 | max | service P50 | service P99 |", "|---|---|---|---|---|---|---|---|---|---|");
  for (const p of ALL_PHASES) {
    const ph = r.phases[p];
    const win = `${ms(ph.fromMs)} → ${ph.toMs === null ? "end" : ms(ph.toMs)}`;
    if (ph.ops === 0) {
      lines.push(`| ${p} | ${win} | 0 | – | – | – | – | – | – | – |`);
      continue;
    }
    const l = ph.latency;
    lines.push(
      `| ${p} | ${win} | ${ph.ops} | ${ph.errors} | ${formatUs(l.p50Us)} | ${formatUs(l.p99Us)} | ${formatUs(l.p999Us)} | ${formatUs(l.maxUs)} | ${formatUs(ph.service.p50Us)} | ${formatUs(ph.service.p99Us)} |`,
    );
  }
  lines.push("");
  const errs = ERROR_CLASSES.filter((c) => r.total.errorsByClass[c] > 0);
  lines.push(errs.length ? `Errors by class: ${errs.map((c) => `${c} ${r.total.errorsByClass[c]}`).join(", ")}.` : "No operation failed.", "");
  if (r.otherErrors.length) lines.push(`Errors classed "other": ${r.otherErrors.map((m) => `\`${m}\``).join("; ")}.`, "");
  const a = r.availability;
  lines.push(
    `Availability: RTO ${rto(a)}; ` +
      `longest run of failed writes ${a.longestFailedRun ? `${a.longestFailedRun.writes} writes over ${Math.round(a.longestFailedRun.durationMs)} ms` : "none"}; ` +
      `${a.writesFailed} of ${a.writesAttempted} writes failed.`,
    "",
  );

  if (r.app) lines.push(...appTierSection(r), "");

  if (r.dataLoss) {
    const d = r.dataLoss;
    lines.push(
      "## Writes",
      "",
      `${d.writes} writes, ${d.acknowledged} acknowledged. **Lost: ${d.lost}** (acknowledged, absent after convergence), ` +
        `of which ${d.splitBrain} acknowledged after the fault took effect (split brain); ${d.indeterminate} indeterminate ` +
        `(failed or timed out, yet present). RPO window: ${d.rpoMs === null ? "– (no write acknowledged before the fault was lost)" : `${Math.round(d.rpoMs)} ms`}.`,
      "",
    );
    if (d.lostSample.length) lines.push(`First lost write ids: ${d.lostSample.join(", ")}.`, "");
  }
  if (r.reads && r.reads.reads > 0) {
    const s = r.reads;
    lines.push(
      `Reads from the ${s.from}: ${s.reads} asked for the latest acknowledged write; ${s.stale} missed it ` +
        `(${(s.staleRate * 100).toFixed(2)}%), the furthest behind by ${s.maxStalenessMs} ms.`,
      "",
    );
  }
  if (r.redirections) lines.push(`Redirections the servers sent during the load: MOVED ${r.redirections.moved}, ASK ${r.redirections.ask}.`, "");
  if (r.nodeLoad.length > 1) {
    lines.push(`Load per node (commands processed during the load): ${r.nodeLoad.map((n) => `${n.node} ${n.commands} (${(n.share * 100).toFixed(1)}%)`).join(", ")}.`, "");
  }
  if (r.convergence) {
    const c = r.convergence;
    lines.push(
      `Convergence: ${c.converged ? "settled" : "**did not settle**"} in ${c.tookMs} ms; primary ${c.primary ?? "?"}; roles ` +
        Object.entries(c.roles).map(([n, role]) => `${n} ${role}`).join(", ") + (c.note ? ` (${c.note})` : "") + ".",
      "",
    );
  }

  if (r.faults.length) {
    lines.push("## Faults", "");
    for (const f of r.faults) {
      lines.push(`### ${f.kind} at ${ms(f.tookEffectAtMs)}${f.healedAtMs !== null ? `, healed at ${ms(f.healedAtMs)}` : ", not healed"}`, "");
      if (f.error) lines.push(`Error: ${f.error}`, "");
      for (const [k, v] of Object.entries(f.details)) {
        const shown = typeof v === "number" && /Bytes$/.test(k) ? formatBytes(v) : typeof v === "number" && /Us$/.test(k) ? formatUs(v) : String(v);
        lines.push(`- ${k}: ${shown}`);
      }
      lines.push("");
    }
  }

  if (r.environment.host) {
    const h = r.environment.host;
    lines.push(
      "## Environment",
      "",
      `- kernel ${h.kernel}; ${h.cores} cores (${h.cpuModel}); ${formatBytes(h.memoryBytes)} memory`,
      `- transparent huge pages: ${h.transparentHugePages}; vm.overcommit_memory: ${h.overcommitMemory}`,
      `- Docker ${h.dockerServerVersion} on ${h.dockerOperatingSystem}; Node ${h.node}`,
      ...r.environment.images.map((i) => `- image ${i.name}: ${i.id}`),
      ...r.environment.warnings.map((w) => `- WARNING: ${w}`),
      "",
    );
  }
  lines.push(`Client options (pinned): \`${JSON.stringify(s.client)}\``, "");
  return lines.join("\n");
}

const rto = (a: RunReport["availability"]) => (a.rtoMs === null ? `– (${a.rtoNote})` : formatMs(a.rtoMs));

/** What the application's users saw, next to what Redis's clients saw, per phase. */
function appTierSection(r: RunReport): string[] {
  const app = r.app!;
  const lines = [
    "## What the application's users saw (HTTP, autocannon)",
    "",
    `${app.rate} requests/s (${Math.round(app.readShare * 100)}% GET /read, the rest POST /write) over ${app.connections} connections ` +
      `from ${app.autocannonInstances} autocannon instances, to an HTTP service that uses one ${r.scenario.topology.kind} client. Latency: ${app.latencyMeaning}.`,
    "",
    "| phase | Redis ops | Redis errors | Redis P99 | HTTP requests | HTTP errors | HTTP P99 | HTTP max |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const p of ALL_PHASES) {
    const redis = r.phases[p];
    const http = app.phases[p];
    if (redis.ops === 0 && http.ops === 0) continue;
    lines.push(
      `| ${p} | ${redis.ops} | ${redis.errors} | ${redis.ops ? formatUs(redis.latency.p99Us) : "–"} | ${http.ops} | ${http.errors} | ` +
        `${http.ops ? formatUs(http.latency.p99Us) : "–"} | ${http.ops ? formatUs(http.latency.maxUs) : "–"} |`,
    );
  }
  const statuses = Object.entries(app.httpStatus).map(([k, v]) => `${k} ${v}`).join(", ");
  const redisErrors = ERROR_CLASSES.filter((c) => app.redisErrors[c] > 0).map((c) => `${c} ${app.redisErrors[c]}`).join(", ");
  lines.push(
    "",
    `RTO seen over HTTP: ${rto(app.availability)} (Redis level: ${rto(r.availability)}); ${app.availability.writesFailed} of ` +
      `${app.availability.writesAttempted} HTTP writes failed. Responses: ${statuses || "none"}` +
      (redisErrors ? `; the Redis errors behind the 5xx: ${redisErrors}` : "") +
      (app.unfinished ? `; ${app.unfinished} requests unanswered 3 s after the load stopped, counted as timeouts` : "") + ".",
  );
  return lines;
}
