import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** What a run of the command line left: its exit code and its output. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the harness's command line as users and CI call it (reports under reports/test unless REPORTS_DIR says). */
export function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; whenStderr?: [RegExp, (p: ChildProcess) => void] } = {}): Promise<Ran> {
  return new Promise<Ran>((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", "harness/cli.ts", ...args], {
      env: { ...process.env, REPORTS_DIR: "reports/test", ...opts.env },
    });
    let stdout = "";
    let stderr = "";
    let fired = false;
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => {
      stderr += d;
      if (opts.whenStderr && !fired && opts.whenStderr[0].test(stderr)) {
        fired = true;
        opts.whenStderr[1](p);
      }
    });
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A scenario file in a fresh temporary folder: an object as JSON, or the text of a file (YAML) as given. */
export function scenarioFile(body: object | string, name = "scenario.json"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cli-"));
  const file = path.join(dir, name);
  writeFileSync(file, typeof body === "string" ? body : JSON.stringify(body));
  return file;
}
