import type { Redis } from "ioredis";

export const DATASET_PREFIX = "data";
/** At most this much per DEBUG POPULATE: each call blocks the server and must finish within the admin timeout. */
const CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Fills the server with `size` bytes of values on the server side (DEBUG POPULATE), in chunks so progress shows.
 * Sending a gigabyte over the wire would take longer than the scenario and measure the loader, not Redis.
 */
export async function preloadDataset(
  admin: Redis,
  size: number,
  valueBytes: number,
  signal: AbortSignal,
  onProgress: (keysDone: number, keysTotal: number) => void = () => {},
): Promise<{ keys: number }> {
  const total = Math.floor(size / valueBytes);
  for (let done = 0, chunk = 0; done < total; chunk++) {
    signal.throwIfAborted();
    const n = Math.min(Math.max(1, Math.floor(CHUNK_BYTES / valueBytes)), total - done);
    // Each chunk gets its own prefix: DEBUG POPULATE numbers keys from 0 and skips ones that exist.
    await admin.call("DEBUG", "POPULATE", String(n), `${DATASET_PREFIX}:${chunk}`, String(valueBytes));
    done += n;
    onProgress(done, total);
  }
  return { keys: total };
}
