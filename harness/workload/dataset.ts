import type { Redis } from "ioredis";
import { EnvironmentError } from "../infra/errors.js";

export const DATASET_PREFIX = "data";
/** At most this much per DEBUG POPULATE: each call blocks the server and must finish within the admin timeout. */
const CHUNK_BYTES = 64 * 2 ** 20;

const keysPerChunk = (valueBytes: number) => Math.max(1, Math.floor(CHUNK_BYTES / valueBytes));

/** The name preloadDataset gave the dataset's k-th key (DEBUG POPULATE names a chunk's keys <prefix>:<j>). */
export const datasetKeyName = (valueBytes: number) => {
  const per = keysPerChunk(valueBytes);
  return (k: number) => `${DATASET_PREFIX}:${Math.floor(k / per)}:${k % per}`;
};

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
  /** Asked before each chunk, with the chunk's keys: why it must not be loaded (memory short), or null to go on. */
  room: (keys: number) => Promise<string | null> = async () => null,
): Promise<{ keys: number }> {
  const total = Math.floor(size / valueBytes);
  for (let done = 0, chunk = 0; done < total; chunk++) {
    signal.throwIfAborted();
    const n = Math.min(keysPerChunk(valueBytes), total - done);
    const short = await room(n);
    if (short)
      throw new EnvironmentError(
        `The dataset was stopped at ${done} of ${total} keys: ${short}.`,
        "Load less (a smaller --dataset), or give the data nodes more memory (topology.memoryLimit in the scenario).",
      );
    // Each chunk gets its own prefix: DEBUG POPULATE numbers keys from 0 and skips ones that exist.
    await admin.call("DEBUG", "POPULATE", String(n), `${DATASET_PREFIX}:${chunk}`, String(valueBytes));
    done += n;
    onProgress(done, total);
  }
  return { keys: total };
}
