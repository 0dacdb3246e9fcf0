#!/usr/bin/env node
import "./infra/preload.js";
import { parseArgs } from "node:util";
import { BadInputError, EXIT, HarnessError } from "./infra/errors.js";
import path from "node:path";
import { matrixCommand } from "./commands/matrix.js";
import { runCommand } from "./commands/run.js";
import { suiteCommand } from "./commands/suite.js";
import { checkThreshold, compareCommand } from "./commands/compare.js";
import { loadSettings } from "./infra/settings.js";
import { reportDirPath } from "./report/write.js";
import { loadScenario, loadScenarioFile, loadSuite, readScenarioSources, validateScenario, type Overrides } from "./scenario/load.js";

const USAGE = `Usage: npm run harness -- <command> [options]

Commands:
  tour                  the tour: all four topologies with their signature faults, one combined report (npm start)
  run <scenario>        run a scenario by name (see list), or --file <scenario.json>
  suite <name>          run every scenario of suites/<name>.json into one folder with an index
  matrix <suite> --images a,b[,c]
                        run a suite on each image (--repeats n), then compare each image with the first
  compare --base <run|folder>... --candidate <run|folder>...
                        compare runs side by side (repeats of a scenario on a side are pooled)
  list                  list the scenarios in suites/
  help                  this text

Options for run, suite, tour and matrix (each replaces the scenarios' own value):
  --duration <30s>      length of the load
  --rate <ops/s>        open-loop rate
  --dataset <1gb>       dataset preloaded before the load (bgsave scenarios)
  --image <name>        Redis image (default: REDIS_IMAGE or redis-chaos/redis:7.0)
  --connections <n>     client connections
  --read-ratio <0..1>   fraction of reads
  --at <10s>            when faults are injected
  --file <path>         (run) a scenario file instead of a named scenario
  --export              (run) also write history.csv and readback.csv (every write, every key read back)
  --repeats <n>         (suite, tour, matrix) runs of each scenario (matrix: default 3)
  --threshold <0.05>    (compare, matrix) relative change that counts as a regression, if also beyond the spread
  --out <dir>           (compare) where compare.md/.html/.json go (default reports/<time>-compare)
  --quiet               no progress lines

Exit codes: 0 pass, 1 a budget failed (compare: a budget-relevant metric regressed), 2 bad input,
3 environment failure, 4 harness bug, 130 interrupted.`;

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
        images: { type: "string" },
        connections: { type: "string" },
        "read-ratio": { type: "string" },
        at: { type: "string" },
        file: { type: "string" },
        repeats: { type: "string" },
        threshold: { type: "string" },
        base: { type: "string", multiple: true },
        candidate: { type: "string", multiple: true },
        out: { type: "string" },
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
  const overrides: Overrides = {
    duration: values.duration,
    rate: values.rate,
    dataset: values.dataset,
    image: values.image,
    connections: values.connections,
    readRatio: values["read-ratio"],
    at: values.at,
  };
  const quiet = values.quiet;
  // A matrix compares: without repeats it cannot tell a change from run-to-run noise.
  const repeats = positiveInt("repeats", values.repeats ?? (command === "matrix" ? "3" : "1"));
  const threshold = values.threshold === undefined ? undefined : checkThreshold(Number(values.threshold));
  const one = (what: string) => {
    if (rest.length !== 1) throw new BadInputError(`${command} needs exactly one ${what}.`, "See `npm run harness -- help`.");
    return rest[0];
  };

  switch (command) {
    case "list":
      for (const src of readScenarioSources()) {
        const s = validateScenario(src.input, path.relative(process.cwd(), src.file));
        const faults = s.faults.map((f) => f.kind).join(", ") || "no fault";
        process.stdout.write(`${s.name.padEnd(30)} ${s.topology.kind.padEnd(11)} ${faults.padEnd(10)} ${s.description}\n`);
      }
      return EXIT.pass;
    case "run": {
      if (values.file && rest.length) throw new BadInputError("Give either a scenario name or --file, not both.");
      if (!values.file && rest.length !== 1) throw new BadInputError("run needs exactly one scenario name.", "List them with `npm run harness -- list`.");
      const scenario = values.file ? loadScenarioFile(values.file, overrides) : loadScenario(rest[0], overrides);
      return runCommand(scenario, { quiet, exportHistory: values.export });
    }
    case "tour":
      if (rest.length) throw new BadInputError("tour takes no scenario name.", "Run `npm run harness -- suite <name>` for another suite.");
      return suiteCommand("tour", loadSuite("tour", overrides), { quiet, repeats });
    case "suite": {
      const name = one("suite name");
      return suiteCommand(name, loadSuite(name, overrides), { quiet, repeats });
    }
    case "matrix": {
      const name = one("suite name");
      const images = (values.images ?? "").split(",").map((i) => i.trim()).filter(Boolean);
      if (images.length < 2) throw new BadInputError("matrix needs --images with at least two images, comma-separated.", "e.g. --images redis-chaos/redis:7.0,redis-chaos/valkey:8.1");
      if (values.image) throw new BadInputError("matrix takes --images, not --image.");
      loadSuite(name, overrides); // bad input shows before any container starts
      return matrixCommand(name, images, (image) => loadSuite(name, { ...overrides, image }), { quiet, repeats, threshold });
    }
    case "compare": {
      if (rest.length) throw new BadInputError("compare takes --base and --candidate, not positional arguments.", "e.g. compare --base reports/A --candidate reports/B");
      const outDir = values.out ?? reportDirPath(loadSettings().reportsDir, "compare");
      return compareCommand({ base: values.base ?? [], candidate: values.candidate ?? [], threshold, outDir });
    }
    default:
      throw new BadInputError(`Unknown command "${command}".`, "Commands: tour, run, suite, matrix, compare, list, help.");
  }
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new BadInputError(`--${flag} ${v} is not a whole number of at least 1.`);
  return n;
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
