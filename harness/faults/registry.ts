import { z } from "zod";
import { bgsave } from "./bgsave.js";
import { clusterFailover } from "./cluster-failover.js";
import { kill } from "./kill.js";
import { latencySpike } from "./latency-spike.js";
import { link } from "./link.js";
import { lostReplies } from "./lost-replies.js";
import { manualPromotion } from "./manual-promotion.js";
import { partition } from "./partition.js";
import { pause } from "./pause.js";
import { reshard } from "./reshard.js";
import { upgrade } from "./upgrade.js";
import type { FaultContext, FaultDefinition, FaultRecord } from "./types.js";

/** Every kind of fault a scenario can schedule. A new fault: one file with its definition, and one line here. */
export const FAULTS = [bgsave, kill, pause, partition, link, latencySpike, lostReplies, manualPromotion, clusterFailover, reshard, upgrade] as const;

type Definition = (typeof FAULTS)[number];
export type FaultKind = Definition["kind"];
export type FaultSpec = z.output<Definition["schema"]>;
type RecordOf<T> = T extends FaultDefinition<infer K, z.ZodType, infer D> ? FaultRecord<K, D> : never;
/** A fault's record, typed by its kind. */
export type AnyFaultRecord = RecordOf<Definition>;

/** A scenario's fault entry: one of the registered kinds, chosen by `kind`. */
export const faultSchema = z.discriminatedUnion("kind", FAULTS.map((f) => f.schema) as unknown as [Definition["schema"], ...Array<Definition["schema"]>]);

/** The definition of a kind, seen through the common shape (its own spec and details types are known only by kind). */
export function faultDefinition(kind: string): FaultDefinition<string, z.ZodType, Record<string, unknown>> {
  const d = FAULTS.find((f) => f.kind === kind);
  if (!d) throw new Error(`no fault of kind ${kind}`);
  return d as unknown as FaultDefinition<string, z.ZodType, Record<string, unknown>>;
}

/** Runs a scenario's fault entry; a fault that cannot even start (no node to hit) is a record with its error. */
export async function runFaultSpec(spec: FaultSpec, ctx: FaultContext): Promise<AnyFaultRecord> {
  const requestedAtMs = ctx.clock();
  try {
    return (await faultDefinition(spec.kind).run(spec, ctx)) as AnyFaultRecord;
  } catch (err) {
    ctx.timeline.add("fault-error", { fault: spec.kind, error: (err as Error).message });
    const rec = {
      kind: spec.kind,
      requestedAtMs,
      sentAtMs: null,
      observedAtMs: null,
      healedAtMs: null,
      details: {},
      error: (err as Error).message,
    } as AnyFaultRecord;
    ctx.onStart?.(rec);
    return rec;
  }
}
