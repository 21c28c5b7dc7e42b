/**
 * The lag a chat's rate budget allows: what an ideal streamer, spacing its
 * updates evenly and using every call the limits give it, would show.
 */

import type { EmulatorLimits, RateWindow } from "../emulator/index.js";
import type { BenchChatType } from "./contenders/index.js";

/** The most calls `windows` admit within `durationMs`: each window allows `limit` per started window length. */
export function callsAllowed(windows: readonly RateWindow[], durationMs: number): number {
  let allowed = Number.POSITIVE_INFINITY;
  for (const w of windows)
    allowed = Math.min(allowed, w.limit * Math.max(1, Math.ceil(durationMs / w.windowMs)));
  return allowed;
}

/** The ideal streamer's spacing and mean lag for one scenario. */
export interface RateBound {
  /** Even spacing of updates the budget allows, in ms. */
  intervalMs: number;
  /** Half of it: the mean wait of a character emitted at a random moment for the next update. */
  meanLagMs: number;
}

/**
 * The bound for streaming for `durationMs` (from the first token to the last)
 * into each of `chats` chats of one bot: updates spread evenly over the
 * answer, as many as the chat's best transport allows (drafts in private
 * chats, edits in groups) and as the bot's global budget allows each chat
 * when `chats` share it. Round trips and the final message are not counted,
 * so a real streamer can only come close to it from above.
 *
 * @param timeScale scales the windows as the emulator does.
 */
export function rateBound(
  limits: EmulatorLimits,
  chatType: BenchChatType,
  chats: number,
  durationMs: number,
  timeScale = 1,
): RateBound {
  if (!(durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${durationMs}`);
  if (!Number.isInteger(chats) || chats < 1)
    throw new RangeError(`chats must be a whole number >= 1, got ${chats}`);
  const scale = (windows: readonly RateWindow[]) =>
    windows.map((w) => ({ limit: w.limit, windowMs: w.windowMs * timeScale }));
  const chatWindows = chatType === "private" ? limits.draft : limits.groupChat;
  const perChat = callsAllowed(scale(chatWindows), durationMs);
  const shared = callsAllowed(scale(limits.global), durationMs) / chats;
  const intervalMs = durationMs / Math.min(perChat, shared);
  return { intervalMs, meanLagMs: intervalMs / 2 };
}
