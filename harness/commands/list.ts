import path from "node:path";
import type { Command } from "commander";
import { EXIT } from "../infra/errors.js";
import { readScenarioSources, validateScenario } from "../scenario/load.js";

/** `list`: every scenario of suites/, a line each. */
export function registerList(program: Command, done: (code: number) => void): void {
  program
    .command("list")
    .description("list the scenarios in suites/")
    .action(() => {
      for (const src of readScenarioSources()) {
        const s = validateScenario(src.input, path.relative(process.cwd(), src.file));
        const faults = s.faults.map((f) => f.kind).join(", ") || "no fault";
        process.stdout.write(`${s.name.padEnd(36)} ${s.topology.kind.padEnd(11)} ${faults.padEnd(16)} ${s.description}\n`);
      }
      done(EXIT.pass);
    });
}
