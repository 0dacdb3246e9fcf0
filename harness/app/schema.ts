import { z } from "zod";

/**
 * A scenario's `app` section: a small HTTP service in front of Redis (through the topology's own client), driven by
 * autocannon at a constant rate while the Redis-level load runs, so the report shows what the application's users saw.
 */
export const appTierSchema = z
  .object({
    /** HTTP requests per second; each autocannon connection sends one a second. */
    rate: z.number().int().min(1).max(2000).default(100),
    /** Fraction of GET /read (the rest POST /write). */
    readRatio: z.number().min(0).max(1).default(0.5),
    /**
     * The HTTP client's timeout, seconds. At least 2: autocannon re-arms it only when a connection sends, and a
     * connection here sends once a second, so 1 s would fire on idle connections.
     */
    timeout: z.number().int().min(2).max(600).default(10),
  })
  .strict();

export type AppTier = z.output<typeof appTierSchema>;
