import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EnvironmentError } from "../infra/errors.js";

/**
 * Linearizability of a register history, decided by Porcupine (github.com/anishathalye/porcupine) in a small Go
 * program built by set-up (harness/check/porcupine): no search written by hand here. This file is the boundary: the
 * history out, the verdict and the counterexamples back.
 */

/** One operation on one key, as a client saw it. Times on one clock (the harness's µs since the run began). */
export interface RegisterOp {
  client: number;
  key: string;
  op: "set" | "get" | "incr";
  /** SET: the value written (unique per write); GET: what was read, null when the key was absent; INCR: the reply. */
  value: string | null;
  /**
   * true: acknowledged. false: failed or timed out, so it may have been applied (indeterminate): it may take effect
   * at any point after its call, or never. A failed read tells nothing and is left out of the history.
   */
  ok: boolean;
  call: number;
  return: number;
}

export type LinearizabilityVerdict = "linearizable" | "not linearizable" | "unknown";

export interface KeyVerdict {
  key: string;
  result: LinearizabilityVerdict;
  operations: number;
  /** A sub-history of this key that is itself not linearizable, as indices into the history given. */
  counterexample?: number[];
  /** No single operation can leave the counterexample and keep it not linearizable. */
  minimal?: boolean;
}

export interface LinearizabilityResult {
  /** Not linearizable when any key is not; unknown when a key's search ran out of time and none failed. */
  result: LinearizabilityVerdict;
  keys: KeyVerdict[];
  /** Porcupine's HTML view of the counterexamples, when asked for and there was one. */
  visualization?: string;
  elapsedMs: number;
}

export interface CheckOptions {
  /** Where Porcupine's HTML view of the counterexamples goes. */
  visualization?: string;
  /** Per key search; past it the key is "unknown", not passed. */
  timeoutMs?: number;
  /** Time spent shrinking each violation to a small counterexample. */
  shrinkMs?: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PORCUPINE_CHECK = path.join(HERE, "porcupine", "bin", "porcupine-check");

/** Runs the checker on the history; an EnvironmentError names set-up when the program was never built. */
export async function checkLinearizability(history: RegisterOp[], o: CheckOptions = {}, program = PORCUPINE_CHECK): Promise<LinearizabilityResult> {
  if (!existsSync(program))
    throw new EnvironmentError(`The linearizability checker is not built (${program} is missing).`, "Run `bash harness/infra/setup.sh`: it builds harness/check/porcupine with Go.");
  const request = JSON.stringify({ operations: history, timeoutMs: o.timeoutMs ?? 30_000, shrinkMs: o.shrinkMs ?? 20_000, visualization: o.visualization ?? "" });
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(program, [], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c, stdout: out, stderr: err }));
    child.stdin.end(request);
  });
  // Exit 2 is a history this harness wrote wrongly: a bug of the harness, not the user's input.
  if (code !== 0) throw new Error(`porcupine-check exited ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout) as LinearizabilityResult;
}
