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

/**
 * An image reference as Docker reads it (registry host and port, lower-case path, tag, digest): a name the engine
 * would refuse is refused here, with the field or flag that gave it, instead of half-way through a run.
 */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const HOST = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?";
export const IMAGE_REFERENCE = new RegExp(
  `^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

export const imageName = z
  .string()
  .regex(IMAGE_REFERENCE, "is not an image name: write it like redis-chaos/redis:7.0, redis:7.2 or registry.example:5000/team/redis:7.2");
