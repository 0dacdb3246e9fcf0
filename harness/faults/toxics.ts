import type { Toxic } from "toxiproxy-node-client";
import type { ProxiedLink } from "../topology/fault-layer.js";

/**
 * The Toxiproxy toxics faults use. Each is handed to `added` as soon as it exists, so a heal removes it even if the next
 * one failed.
 */

/** A timeout toxic of 0 on both streams: data stops and connections stay open (a partition, not a crash). */
export async function blackhole(link: ProxiedLink, added: Array<Toxic<unknown>>): Promise<void> {
  for (const stream of ["upstream", "downstream"] as const) {
    added.push(await link.proxy.addToxic({ name: `blackhole-${stream}`, type: "timeout", stream, toxicity: 1, attributes: { timeout: 0 } }));
  }
}

/** Latency (with jitter) on both streams. */
export async function latency(
  link: ProxiedLink,
  latencyMs: number,
  jitterMs: number,
  added: Array<Toxic<unknown>>,
  streams: ReadonlyArray<"upstream" | "downstream"> = ["upstream", "downstream"],
): Promise<void> {
  for (const stream of streams) {
    added.push(
      await link.proxy.addToxic({ name: `latency-${stream}`, type: "latency", stream, toxicity: 1, attributes: { latency: latencyMs, jitter: jitterMs } }),
    );
  }
}

/** A cap, in KB/s, on what the upstream node sends through the link. */
export async function bandwidth(link: ProxiedLink, kbps: number, added: Array<Toxic<unknown>>): Promise<void> {
  added.push(await link.proxy.addToxic({ name: "bandwidth", type: "bandwidth", stream: "downstream", toxicity: 1, attributes: { rate: kbps } }));
}

/** Removal of every toxic added so far (and forgets them). */
export const removeAll = (added: Array<Toxic<unknown>>) => added.splice(0).map((t) => () => t.remove());
