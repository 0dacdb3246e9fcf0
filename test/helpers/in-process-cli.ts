import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The real command line, driven in this process (no process per case): REPORTS_DIR goes to a fresh scratch folder, so
 * "nothing was created" can be seen, and DOCKER_HOST names a socket that does not exist (testcontainers still falls back
 * to the machine's own engine when there is one). Import this before anything that reads the settings.
 */
export const scratch = mkdtempSync(path.join(tmpdir(), "bad-input-"));
export const reports = path.join(scratch, "reports");
process.env.REPORTS_DIR = reports;
process.env.DOCKER_HOST = `unix://${path.join(scratch, "no-engine.sock")}`;
const { main } = await import("../../harness/commands/program.js");

/** Runs a command line as the process would (cli.ts's handling of a thrown error included); what it printed is returned, not shown. */
export async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; text: string }> {
  let text = "";
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  const capture = (chunk: string | Uint8Array) => ((text += String(chunk)), true);
  process.stderr.write = capture as typeof process.stderr.write;
  process.stdout.write = capture as typeof process.stdout.write;
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return { code: await main(argv), text };
  } catch (e) {
    const err = e as { exitCode?: number; message?: string; hint?: string; stack?: string };
    return err.exitCode === undefined ? { code: 4, text: `${text}${err.stack}` } : { code: err.exitCode, text: `${text}${err.message}\n${err.hint ?? ""}` };
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}
