/**
 * Open-loop schedule: operation i is *intended* to start at i / rate seconds after the origin, whatever
 * happened to earlier operations. Latency is measured from that instant, so a stall of the client, the network
 * or the server shows up in the percentiles instead of being hidden (coordinated omission).
 */
export function intendedStartMs(i: number, ratePerSec: number): number {
  return (i * 1000) / ratePerSec;
}

/**
 * Operation i of one driver thread's shard of a load (see shardsOf): its own schedule, `offsetMs` after the run clock's
 * 0, so that the shards' schedules interleave into the load's.
 */
export function shardIntendedStartMs(shard: { offsetMs: number; rate: number }, i: number): number {
  return shard.offsetMs + intendedStartMs(i, shard.rate);
}

/** How many operations are due (intended start <= elapsed) at `elapsedMs`, capped at `total`. */
export function dueCount(elapsedMs: number, ratePerSec: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * ratePerSec) / 1000) + 1);
}

export function totalOps(durationMs: number, ratePerSec: number): number {
  return Math.ceil((durationMs * ratePerSec) / 1000);
}
