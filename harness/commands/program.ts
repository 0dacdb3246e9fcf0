import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { EXIT } from "../infra/errors.js";
import { registerCompare } from "./compare.js";
import { registerHistory } from "./history.js";
import { registerList } from "./list.js";
import { registerMatrix } from "./matrix.js";
import { registerRun } from "./run.js";
import { registerRecommend } from "./recommend.js";
import { registerStudy } from "./study.js";
import { registerSuite } from "./suite.js";
import { registerUpgrade } from "./upgrade.js";

/** The harness's version (package.json's), and the Node.js it runs on: what a bug report needs first. */
const VERSION = `${(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version} (Node.js ${process.version})`;

/** The command line: one file per command under commands/, each declaring its own options (help is generated). */
export function program(done: (code: number) => void = () => {}): Command {
  const p = new Command("redis-chaos")
    .description("Chaos and benchmark harness for Redis deployments: real containers, real faults, honest numbers.")
    .usage("<command> [options]   (or: npm run harness -- <command> [options])")
    .addHelpText(
      "after",
      "\nExit codes: 0 pass, 1 a budget failed (compare: a budget-relevant metric regressed), 2 bad input,\n3 environment failure, 4 harness bug, 130 interrupted. history check: 1 when a series regressed.",
    )
    .version(VERSION, "-V, --version", "print the harness's version")
    .exitOverride()
    .showHelpAfterError("(see --help)");
  for (const register of [
    registerRun,
    registerSuite,
    registerMatrix,
    registerCompare,
    registerList,
    registerStudy,
    registerRecommend,
    registerUpgrade,
    registerHistory,
  ])
    register(p, done);
  return p;
}

/**
 * Runs one command line in this process: its exit code, or a HarnessError thrown (its exitCode is the process's). In a
 * module of its own so a test can drive the real command line without a process per case (test/unit/fuzz-input).
 */
export async function main(argv: string[]): Promise<number> {
  let code: number | undefined;
  const p = program((c) => (code = c));
  if (argv.length === 0) {
    process.stdout.write(p.helpInformation());
    return EXIT.badInput;
  }
  try {
    await p.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; anything else commander refused is bad input (it said what, on stderr).
      return err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version" ? EXIT.pass : EXIT.badInput;
    }
    throw err;
  }
  return code ?? EXIT.pass;
}
