/** Waits `ms`, or less if `signal` aborts first. Never rejects: the caller looks at the signal. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * Asks `probe` every `intervalMs` until it returns a value other than undefined, the timeout passes or the signal aborts.
 * A probe that throws counts as "not yet" (a node that is down answers nothing); its last error is kept for the caller.
 * Resolves with the value, or with `{ timedOut: true, last }` where `last` is the last error's message or undefined.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  o: PollOptions,
): Promise<{ value: T; timedOut: false } | { timedOut: true; last?: string }> {
  const deadline = Date.now() + o.timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return { value: v, timedOut: false };
      last = undefined;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline || o.signal?.aborted) return { timedOut: true, last };
    await sleep(Math.min(o.intervalMs, Math.max(0, deadline - Date.now())), o.signal);
  }
}
