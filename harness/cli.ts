#!/usr/bin/env node
import "./infra/preload.js";
import { Command, CommanderError } from "commander";
import { registerCompare } from "./commands/compare.js";
import { registerList } from "./commands/list.js";
import { registerMatrix } from "./commands/matrix.js";
import { registerRun } from "./commands/run.js";
import { registerSuite } from "./commands/suite.js";
import { EXIT, HarnessError } from "./infra/errors.js";

/** The command line: one file per command under commands/, each declaring its own options (help is generated). */
function program(done: (code: number) => void): Command {
  const p = new Command("redis-chaos")
    .description("Chaos and benchmark harness for Redis deployments: real containers, real faults, honest numbers.")
    .usage("<command> [options]   (or: npm run harness -- <command> [options])")
    .addHelpText(
      "after",
      "\nExit codes: 0 pass, 1 a budget failed (compare: a budget-relevant metric regressed), 2 bad input,\n3 environment failure, 4 harness bug, 130 interrupted.",
    )
    .exitOverride()
    .showHelpAfterError("(see --help)");
  for (const register of [registerRun, registerSuite, registerMatrix, registerCompare, registerList]) register(p, done);
  return p;
}

async function main(argv: string[]): Promise<number> {
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

// Output piped into `head` and the like: a closed pipe ends the output, it is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(EXIT.pass);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // ioredis or testcontainers may keep handles; the work is done and the report written.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    if (err instanceof HarnessError) {
      process.stderr.write(`error: ${err.message}\n${err.hint ? `what to do: ${err.hint}\n` : ""}`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`unexpected error (a bug of the harness: please report it with this text): ${(err as Error)?.stack ?? err}\n`);
    process.exit(EXIT.internal);
  },
);
