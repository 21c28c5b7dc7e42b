import type { Transformer } from "grammy";

/**
 * A grammY transformer that scales the `retry_after` of 429 replies by
 * `timeScale`, so that `@grammyjs/auto-retry` (installed after it) waits as
 * long as a scaled emulator's penalty lasts. With `timeScale` 1 (the real
 * bench) it changes nothing and is not installed.
 *
 * The emulator reports `retry_after` in unscaled seconds while its penalty
 * lasts `retry_after * timeScale` seconds; auto-retry accepts fractional
 * seconds, so the scaled wait is exact.
 */
export function scaledRetryAfter(timeScale: number): Transformer {
  return async (prev, method, payload, signal) => {
    const reply = await prev(method, payload, signal);
    if (!reply.ok && typeof reply.parameters?.retry_after === "number") {
      return {
        ...reply,
        parameters: { ...reply.parameters, retry_after: reply.parameters.retry_after * timeScale },
      };
    }
    return reply;
  };
}
