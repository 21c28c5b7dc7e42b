/**
 * The rate rules a test checks call times against: Telegram's documented
 * limits, written out here independently of the core's own tables.
 */

/** `[limit, windowMs]` pairs: at most `limit` calls in any `windowMs`. */
export type Windows = readonly (readonly [number, number])[];

/** Sends and edits in a private chat: one per second. */
export const PRIVATE_CHAT: Windows = [[1, 1000]];
/** Sends and edits in a group: one per second and 20 per minute. */
export const GROUP_CHAT: Windows = [
  [1, 1000],
  [20, 60_000],
];
/** Drafts and chat actions in a chat: 20 per 5 s and 40 per 30 s. */
export const DRAFTS: Windows = [
  [20, 5000],
  [40, 30_000],
];

/** The first window that `times` (milliseconds, any order) overflows, or undefined. */
export function overflowedWindow(times: number[], windows: Windows): string | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  for (const [limit, windowMs] of windows) {
    for (let i = 0; i + limit < sorted.length; i++) {
      const span = (sorted[i + limit] ?? 0) - (sorted[i] ?? 0);
      if (span < windowMs)
        return `${limit + 1} calls in ${span} ms (limit ${limit} per ${windowMs} ms)`;
    }
  }
  return undefined;
}
