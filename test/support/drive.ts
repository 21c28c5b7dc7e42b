/** Helpers that feed a stream under vitest's fake timers. */
import { vi } from "vitest";
import type { StreamConsumer } from "../../shared/consumer.js";
import type { StreamResult } from "../../shared/result.js";

export type ScriptStep = string | { wait: number } | { segment: true };

/** Feed `script` to `consumer` (advancing fake time on waits), call done(), and settle the result. */
export async function drive(
  consumer: StreamConsumer,
  script: ScriptStep[],
  finish = true,
): Promise<StreamResult> {
  for (const step of script) {
    if (typeof step === "string") consumer.delta(step);
    else if ("wait" in step) await vi.advanceTimersByTimeAsync(step.wait);
    else consumer.segment();
  }
  if (finish) consumer.done();
  return settle(consumer.result);
}

/** Advance fake time until `promise` settles (at most `limitMs` of fake time). */
export async function settle<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let t = 0; !settled && t < limitMs; t += 50) await vi.advanceTimersByTimeAsync(50);
  return promise;
}

/** `text` cut into pieces of `size` UTF-16 units (surrogate pairs may be split). */
export function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
