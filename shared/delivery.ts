import type { BotApi } from "./bot-api.js";
import type { Clock } from "./budget.js";
import { type ApiFailure, classifyApiError, type DeliveryFailureReason } from "./errors.js";
import type { StreamStats } from "./result.js";

/**
 * Delivering one stream's calls: each call with a timeout and the stream's
 * final deadline, and what to do when one fails.
 *
 * {@link Delivery.call} never throws: it answers with the result or an
 * {@link ApiFailure}. {@link remedyFor} turns a failure into a {@link Remedy}
 * that the consumer applies to its state (it owns what the chat shows).
 */

/** Backoff after network errors and 5xx replies: doubles from the first value up to the second. */
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5_000;
/** If Telegram says a text is too long although it fits our count, shrink the limit, but never below this. */
export const MIN_TEXT_LIMIT = 256;

/** The outcome of one call. */
export type CallOutcome = { ok: true; result: unknown } | { ok: false; failure: ApiFailure };

/** What to do about a failed call. */
export type Remedy =
  /** 429: hold the chat for `ms`, then try again. */
  | { type: "penalty"; ms: number }
  /** Network error or 5xx: wait, then try again. */
  | { type: "backoff" }
  /** "message is not modified": the chat shows exactly this, a success. */
  | { type: "done" }
  /** The server does not know rich messages: render the Markdown as entities. */
  | { type: "rich_off" }
  /** Drafts are not available in this chat: continue by editing. */
  | { type: "drafts_off" }
  /** The user deleted the message (or it can no longer be edited): continue below. */
  | { type: "message_gone" }
  /** Telegram could not parse our entities: send the same visible text without them. */
  | { type: "without_entities" }
  /** Telegram counts the text as too long: lower the limit and cut again. */
  | { type: "shrink" }
  /** Nothing repeating can fix: the stream fails. */
  | { type: "fatal"; reason: DeliveryFailureReason };

/** What {@link remedyFor} needs to know of the stream. */
export interface DeliveryState {
  rich: boolean;
  withoutEntities: boolean;
  limit: number;
}

/**
 * The remedy for `failure` of a call to `method`. Only answers that mean
 * "drafts are not available here" switch a chat away from drafts; a parse
 * error or a too-long text on a draft is fixed like on any other call.
 */
export function remedyFor(failure: ApiFailure, method: string, state: DeliveryState): Remedy {
  switch (failure.kind) {
    case "rate_limit":
      return { type: "penalty", ms: failure.retryAfterMs ?? 1000 };
    case "network":
    case "server":
      return { type: "backoff" };
    case "not_modified":
      return { type: "done" };
    case "forbidden":
      return { type: "fatal", reason: "forbidden" };
    case "thread_not_found":
      return { type: "fatal", reason: "thread_not_found" };
    case "aborted":
      return { type: "fatal", reason: "failed" };
    default:
      break;
  }
  const richCall = method.includes("Rich") || (state.rich && method === "editMessageText");
  const refused =
    failure.kind === "bad_request" || failure.kind === "parse" || failure.errorCode === 404;
  if (state.rich && richCall && refused) {
    return { type: "rich_off" };
  }
  switch (failure.kind) {
    case "draft_unsupported":
      return method.endsWith("Draft")
        ? { type: "drafts_off" }
        : { type: "fatal", reason: "failed" };
    case "message_gone":
      return { type: "message_gone" };
    case "parse":
      return state.withoutEntities
        ? { type: "fatal", reason: "failed" }
        : { type: "without_entities" };
    case "too_long":
      return state.limit > MIN_TEXT_LIMIT
        ? { type: "shrink" }
        : { type: "fatal", reason: "failed" };
    default:
      return { type: "fatal", reason: "failed" };
  }
}

/** What a {@link Delivery} calls through and reports to. */
export interface DeliveryOptions {
  api: BotApi;
  clock: Clock;
  /** Give up waiting for a reply after this long (the outcome is then unknown, and repeated). */
  callTimeoutMs: number;
  /** Aborted when the stream's final deadline passes: nobody waits for a reply after that. */
  deadline: AbortSignal;
  /** Counted into: `calls`, `bytesSent`. */
  stats: StreamStats;
}

/** Makes one stream's calls; see the module comment. */
export class Delivery {
  private failures = 0;

  constructor(private readonly options: DeliveryOptions) {}

  /**
   * Call `method`. `onReply` runs as soon as Telegram's reply (or the timeout)
   * is in, before the outcome is returned: the budget counts the call from then.
   */
  async call(
    method: string,
    payload: Record<string, unknown>,
    onReply?: () => void,
  ): Promise<CallOutcome> {
    const { api, clock, callTimeoutMs, deadline, stats } = this.options;
    stats.calls[method] = (stats.calls[method] ?? 0) + 1;
    const text =
      payload.text ?? (payload.rich_message as { markdown?: unknown } | undefined)?.markdown;
    if (typeof text === "string") stats.bytesSent += Buffer.byteLength(text);
    // A request that hangs must not hold the stream forever: give up on it and treat
    // the outcome as unknown (edits and drafts are then simply repeated).
    const timeout = new AbortController();
    const timer = clock.setTimeout(() => timeout.abort(), callTimeoutMs);
    const onDeadline = () => timeout.abort();
    deadline.addEventListener("abort", onDeadline, { once: true });
    try {
      const result = await api.call(method, payload, timeout.signal).finally(onReply);
      this.failures = 0;
      return { ok: true, result };
    } catch (error) {
      if (timeout.signal.aborted) {
        const description = deadline.aborted
          ? `no reply to ${method} before the stream's final deadline`
          : `no reply to ${method} within ${callTimeoutMs} ms`;
        return { ok: false, failure: { kind: "network", description } };
      }
      return { ok: false, failure: classifyApiError(error, method) };
    } finally {
      clock.clearTimeout(timer);
      deadline.removeEventListener("abort", onDeadline);
    }
  }

  /** The next backoff after a network error or a 5xx: 250 ms doubling up to 5 s, reset by a success. */
  nextBackoff(): number {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.failures++);
  }

  /** A call succeeded some other way ("not modified"): the next backoff starts short again. */
  succeeded(): void {
    this.failures = 0;
  }
}
