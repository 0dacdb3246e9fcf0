import { z } from "zod";
import { parseDurationS, parseSize } from "./units.js";

/*
 * Field types shared by every part that declares a schema (scenarios, faults, topologies, budgets): sizes and durations
 * as people write them, turned into numbers, with errors that say how to write them.
 */

function parsed<T>(parse: (v: string | number) => T, check?: (v: T, raw: string | number) => string | undefined) {
  return (v: string | number, ctx: z.RefinementCtx) => {
    try {
      const out = parse(v);
      const problem = check?.(out, v);
      if (problem) throw new Error(problem);
      return out;
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  };
}

/** Bytes: 1gb, 256mb, 4096. */
export const size = z.union([z.number().int().nonnegative(), z.string()]).transform(parsed(parseSize));

/** Seconds: 30s, 2m, 500ms, 30. Positive. */
export const seconds = z
  .union([z.number().positive(), z.string()])
  .transform(parsed(parseDurationS, (s, raw) => (s <= 0 ? `duration must be positive, got "${raw}"` : undefined)));
