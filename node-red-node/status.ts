/**
 * What the streamgram node shows under itself in the editor. A pure function
 * of the node's state, so the wording is tested without a runtime.
 */
import type { BotCheckState } from "./bot-check.js";
import type { NodeStatus } from "./red.js";

/** The state the status is drawn from. */
export interface StatusState {
  /** The node cannot work (no bot, no token, a wrong setting). */
  problem?: string;
  /** Streams receiving messages now. */
  active: number;
  /** The last platform update (`draft`, `send`, `edit`, `final`, `typing`), if any. */
  lastAction?: string;
  /** Emit-only: operations emitted and not yet acknowledged. */
  awaitingAck?: number;
  /** How the last finished stream ended, if one has. */
  lastOutcome?: { ok: true; messages: number } | { ok: false; reason: string };
  /** The bot's `getMe` check, when the node calls the Bot API. */
  bot?: BotCheckState;
}

/**
 * The status for `state`:
 * - a problem: red ring with the problem;
 * - streams running: blue dot, `2 streaming · edit` (plus `· 1 awaiting sender` in emit-only mode);
 * - otherwise the last outcome: green dot `done · 2 messages`, or red ring `failed: forbidden`;
 * - before the first stream, the bot's check: green ring `@my_bot`, or red ring with
 *   what is wrong (`token refused (401 Unauthorized): …`);
 * - nothing yet: no status.
 */
export function describeStatus(state: StatusState): NodeStatus {
  if (state.problem) return { fill: "red", shape: "ring", text: shorten(state.problem) };
  if (state.active > 0) {
    const parts = [`${state.active} streaming`];
    if (state.lastAction) parts.push(state.lastAction);
    if (state.awaitingAck) parts.push(`${state.awaitingAck} awaiting sender`);
    return { fill: "blue", shape: "dot", text: parts.join(" · ") };
  }
  const outcome = state.lastOutcome;
  if (!outcome) return describeBot(state.bot);
  if (outcome.ok) {
    return {
      fill: "green",
      shape: "dot",
      text: `done · ${outcome.messages} message${outcome.messages === 1 ? "" : "s"}`,
    };
  }
  return { fill: "red", shape: "ring", text: shorten(`failed: ${outcome.reason}`) };
}

function describeBot(bot: BotCheckState | undefined): NodeStatus {
  if (bot?.state === "ok") return { fill: "green", shape: "ring", text: `@${bot.username}` };
  if (bot?.state === "failed") return { fill: "red", shape: "ring", text: shorten(bot.reason) };
  return {};
}

/** Status texts longer than this are cut: the editor shows one short line. */
const MAX_STATUS_LENGTH = 80;

function shorten(text: string): string {
  // The status sits under the node: naming the node again wastes the little room there is.
  const line = (text.split("\n")[0] ?? "").replace(/^streamgram( bot)?: /, "");
  return line.length > MAX_STATUS_LENGTH ? `${line.slice(0, MAX_STATUS_LENGTH - 1)}…` : line;
}
