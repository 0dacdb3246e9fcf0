import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EnvironmentError } from "../infra/errors.js";
import type { RegisterOp } from "../measure/register-history.js";
import type { Checker } from "./checker.js";

export type { RegisterOp };

/**
 * Linearizability of a register history, decided by Porcupine (github.com/anishathalye/porcupine) in a small Go
 * program built by set-up (harness/check/porcupine): no search written by hand here. This file is the boundary: the
 * history out, the verdict and the counterexamples back.
 */

export type LinearizabilityVerdict = "linearizable" | "not linearizable" | "unknown";

export interface KeyVerdict {
  key: string;
  result: LinearizabilityVerdict;
  operations: number;
  /** A sub-history of this key that is itself not linearizable, as indices into the history given. */
  counterexample?: number[];
  /** No single operation can leave the counterexample and keep it not linearizable. */
  minimal?: boolean;
  /** A counter's counterexample that leaves increments out: it holds with the count read as a lower bound (it went backwards). */
  counterBound?: boolean;
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

/**
 * Runs the checker on the history; an EnvironmentError names set-up when the program was never built. Synchronous:
 * checkers run once the load is over, and the search is the run's only work then.
 */
export function checkLinearizability(history: RegisterOp[], o: CheckOptions = {}, program = PORCUPINE_CHECK): LinearizabilityResult {
  if (!existsSync(program))
    throw new EnvironmentError(
      `The linearizability checker is not built (${program} is missing).`,
      "Run `bash harness/infra/setup.sh`: it builds harness/check/porcupine with Go.",
    );
  const request = JSON.stringify({
    operations: history,
    timeoutMs: o.timeoutMs ?? 10_000,
    shrinkMs: o.shrinkMs ?? 10_000,
    visualization: o.visualization ?? "",
  });
  const r = spawnSync(program, [], { input: request, encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  if (r.error) throw r.error;
  // Exit 2 is a history this harness wrote wrongly: a bug of the harness, not the user's input.
  if (r.status !== 0) throw new Error(`porcupine-check exited ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as LinearizabilityResult;
}

/** An operation of a counterexample, as a report shows it: times in ms on the run clock. */
export interface ShownOp {
  client: number;
  op: RegisterOp["op"];
  value: string | null;
  /** false: failed or timed out, maybe applied (it is drawn as never returning). */
  ok: boolean;
  callMs: number;
  returnMs: number | null;
}

/** An operation as a person reads it: "SET 2584", "GET → 2584", "INCR → 171", "INCR" (no reply). */
export function describeOp(o: Pick<ShownOp, "op" | "value" | "ok">): string {
  return o.op === "get" ? `GET → ${o.value ?? "nil"}` : o.op === "set" ? `SET ${o.value}` : o.ok ? `INCR → ${o.value}` : "INCR";
}

export interface LinearizabilitySummary {
  result: LinearizabilityVerdict;
  operations: number;
  keys: number;
  /** Writes that failed or timed out: maybe applied, so free to take effect at any point after their call, or never. */
  indeterminate: number;
  /** Keys whose history is not linearizable, each with a counterexample: operations that cannot be ordered. */
  violations: Array<{ key: string; operations: number; minimal: boolean; counterBound: boolean; counterexample: ShownOp[] }>;
  /** Keys the search gave up on within its time: neither passed nor failed. */
  unknownKeys: string[];
  /** Porcupine's view of the counterexamples, a file in the run's folder. */
  visualization: string | null;
  elapsedMs: number;
}

export const VISUALIZATION_FILE = "linearizability.html";

/**
 * Linearizability of the registers workload's history (Jepsen's knossos/Porcupine check): is there one order of the
 * operations, each taking effect at an instant between its call and its reply, that a single copy of each key would
 * have answered exactly so? Acknowledged writes that vanished, stale reads after a newer one, a counter that went
 * backwards: each shows as a key that is not.
 */
export const linearizabilityChecker: Checker<"linearizability"> = {
  name: "linearizability",
  metrics: ["nonLinearizableKeys"],
  check: (h) => {
    if (!h.registers) return { linearizability: null };
    const ops = h.registers.history();
    const r = checkLinearizability(ops, { visualization: h.dir ? path.join(h.dir, VISUALIZATION_FILE) : undefined });
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      linearizability: {
        result: r.result,
        operations: ops.length,
        keys: r.keys.length,
        indeterminate: ops.filter((o) => !o.ok).length,
        violations: r.keys
          .filter((k) => k.result === "not linearizable")
          .map((k) => ({
            key: k.key,
            operations: k.operations,
            minimal: k.minimal ?? false,
            counterBound: k.counterBound ?? false,
            counterexample: (k.counterexample ?? []).map((i) => {
              const o = ops[i];
              return { client: o.client, op: o.op, value: o.value, ok: o.ok, callMs: ms(o.call), returnMs: o.ok ? ms(o.return) : null };
            }),
          })),
        unknownKeys: r.keys.filter((k) => k.result === "unknown").map((k) => k.key),
        visualization: r.visualization ? path.basename(r.visualization) : null,
        elapsedMs: r.elapsedMs,
      },
    };
  },
};
