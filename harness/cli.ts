#!/usr/bin/env node
import "./infra/preload.js";
import { main } from "./commands/program.js";
import { EXIT, HarnessError } from "./infra/errors.js";

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
