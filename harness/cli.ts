#!/usr/bin/env node
import "./infra/preload.js";
import { parseArgs } from "node:util";
import { BadInputError, EXIT, HarnessError } from "./infra/errors.js";
import { loadSettings } from "./infra/settings.js";
import { Progress } from "./report/progress.js";
import { loadScenario, loadScenarioFile, readScenarioSources, validateScenario, type Overrides } from "./scenario/load.js";
import { runScenario } from "./scenario/run.js";
import path from "node:path";

const USAGE = `Usage: npm run harness -- <command> [options]

Commands:
  run <scenario>        run a scenario by name (see list), or --file <scenario.json>
  list                  list the scenarios in suites/
  help                  this text

Options for run (each replaces the scenario's own value):
  --duration <30s>      length of the load
  --rate <ops/s>        open-loop rate
  --dataset <1gb>       dataset preloaded before the load (bgsave scenarios)
  --image <name>        Redis image (default: REDIS_IMAGE or redis-chaos/redis:7.0)
  --connections <n>     client connections
  --read-ratio <0..1>   fraction of reads
  --at <10s>            when faults are injected
  --file <path>         run a scenario file instead of a named scenario
  --export              also write history.csv and readback.csv (every write, every key read back)
  --quiet               no progress lines

Exit codes: 0 pass, 1 a budget failed, 2 bad input, 3 environment failure, 4 harness bug, 130 interrupted.`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        duration: { type: "string" },
        rate: { type: "string" },
        dataset: { type: "string" },
        image: { type: "string" },
        connections: { type: "string" },
        "read-ratio": { type: "string" },
        at: { type: "string" },
        file: { type: "string" },
        quiet: { type: "boolean", default: false },
        export: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new BadInputError((e as Error).message, "See `npm run harness -- help`.");
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === "help") {
    process.stdout.write(USAGE + "\n");
    return command === undefined && !values.help ? EXIT.badInput : EXIT.pass;
  }
  if (command === "list") {
    for (const src of readScenarioSources()) {
      const s = validateScenario(src.input, path.relative(process.cwd(), src.file));
      const faults = s.faults.map((f) => f.kind).join(", ") || "no fault";
      process.stdout.write(`${s.name.padEnd(28)} ${s.topology.kind.padEnd(11)} ${faults.padEnd(10)} ${s.description}\n`);
    }
    return EXIT.pass;
  }
  if (command !== "run") throw new BadInputError(`Unknown command "${command}".`, "Commands: run, list, help.");

  const overrides: Overrides = {
    duration: values.duration,
    rate: values.rate,
    dataset: values.dataset,
    image: values.image,
    connections: values.connections,
    readRatio: values["read-ratio"],
    at: values.at,
  };
  if (values.file && rest.length) throw new BadInputError("Give either a scenario name or --file, not both.");
  if (!values.file && rest.length !== 1) throw new BadInputError("run needs exactly one scenario name.", "List them with `npm run harness -- list`.");
  const scenario = values.file ? loadScenarioFile(values.file, overrides) : loadScenario(rest[0], overrides);

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: string) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(`\n[harness] ${sig} again: exiting now; the reaper removes the containers within seconds.\n`);
      process.exit(EXIT.interrupted);
    }
    process.stderr.write(`\n[harness] ${sig}: stopping the load, writing the report, removing containers (again to force)\n`);
    abort.abort();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  const { report, files } = await runScenario(scenario, {
    settings: loadSettings(),
    progress: new Progress(process.stderr, values.quiet),
    signal: abort.signal,
    exportHistory: values.export,
  });
  const out: string[] = [];
  const word = report.status !== "completed" ? report.status.toUpperCase() : report.verdict.pass ? "PASS" : "FAIL";
  out.push(`${word} ${scenario.name}`);
  for (const f of report.verdict.failures) out.push(`  broken: ${f}`);
  for (const p of ["baseline", "fault", "recovery"] as const) {
    const ph = report.phases[p];
    if (ph.ops) out.push(`  ${p.padEnd(9)} ops ${ph.ops} errors ${ph.errors} p50 ${ph.latency.p50Us}µs p99 ${ph.latency.p99Us}µs p99.9 ${ph.latency.p999Us}µs max ${ph.latency.maxUs}µs`);
  }
  for (const f of report.faults) if (f.details.forkUs !== undefined) out.push(`  fork ${f.details.forkUs}µs, copy-on-write ${f.details.copyOnWriteBytes} bytes`);
  const a = report.availability;
  if (report.faults.length) out.push(`  RTO ${a.rtoMs === null ? `- (${a.rtoNote})` : `${Math.round(a.rtoMs)} ms`}, ${a.writesFailed} of ${a.writesAttempted} writes failed`);
  const d = report.dataLoss;
  if (d) out.push(`  writes: ${d.acknowledged} acknowledged, ${d.lost} lost (${d.splitBrain} split brain), ${d.indeterminate} indeterminate, RPO ${d.rpoMs === null ? "-" : `${Math.round(d.rpoMs)} ms`}`);
  if (files.history) out.push(`  history: ${files.history}`, `  readback: ${files.readback}`);
  out.push(`  report: ${files.json}`, `  summary: ${files.markdown}`);
  process.stdout.write(out.join("\n") + "\n");
  if (report.status === "aborted") return EXIT.interrupted;
  if (report.status === "failed") return EXIT.environment;
  return report.verdict.pass ? EXIT.pass : EXIT.budgetFailed;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // ioredis or testcontainers may keep handles; the work is done and the report written.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    if (err instanceof HarnessError) {
      process.stderr.write(`error: ${err.message}\n${err.hint ? `what to do: ${err.hint}\n` : ""}`);
      const files = (err as { files?: { markdown: string } }).files;
      if (files) process.stderr.write(`what was measured before the failure: ${files.markdown}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`unexpected error (a bug of the harness: please report it with this text): ${(err as Error)?.stack ?? err}\n`);
    const files = (err as { files?: { markdown: string } }).files;
    if (files) process.stderr.write(`what was measured before the failure: ${files.markdown}\n`);
    process.exit(EXIT.internal);
  },
);
