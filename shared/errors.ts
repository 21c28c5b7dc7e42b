import type { SentMessage } from "./types.js";

/**
 * What a failed Bot API call means for a streamer. Every Telegram error string
 * a streamer meets maps to one kind, and each kind has one handling in the core.
 */
export type ApiErrorKind =
  /** 429: wait `retryAfterMs` before calling this chat again. */
  | "rate_limit"
  /** The edit changed nothing: the user sees exactly this text, so it is a success. */
  | "not_modified"
  /** The message to edit was deleted or can no longer be edited. */
  | "message_gone"
  /** The text was longer than Telegram accepts. */
  | "too_long"
  /** Telegram could not parse the entities or parse mode. */
  | "parse"
  /** Drafts are not available here (group chat, old server, unknown method). */
  | "draft_unsupported"
  /** The chat is closed to the bot (blocked, kicked, deactivated): stop at once. */
  | "forbidden"
  /** The topic does not exist. */
  | "thread_not_found"
  /** Any other 4xx: the request itself is wrong and will not succeed if repeated. */
  | "bad_request"
  /** 5xx: Telegram failed; the call did not happen and may be repeated. */
  | "server"
  /** No reply: the call may or may not have happened. */
  | "network"
  /** The call was cancelled by our own AbortSignal. */
  | "aborted";

/** A classified API failure. */
export interface ApiFailure {
  kind: ApiErrorKind;
  description: string;
  errorCode?: number;
  retryAfterMs?: number;
}

interface TelegramErrorShape {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

function isTelegramError(err: unknown): err is TelegramErrorShape {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as TelegramErrorShape).error_code === "number" &&
    typeof (err as TelegramErrorShape).description === "string"
  );
}

/**
 * Read an error thrown by {@link BotApi.call}.
 *
 * @param method the method that failed: "Not Found" from a draft method means
 *   the server is too old to know drafts.
 */
export function classifyApiError(err: unknown, method = ""): ApiFailure {
  if (!isTelegramError(err)) {
    const name = (err as { name?: string } | null)?.name;
    const description = redactToken(String((err as Error | null)?.message ?? err));
    if (name === "AbortError") return { kind: "aborted", description };
    return { kind: "network", description };
  }
  const code = err.error_code;
  const description = redactToken(err.description);
  const text = description.toLowerCase();
  const failure = (kind: ApiErrorKind, extra: Partial<ApiFailure> = {}): ApiFailure => ({
    kind,
    description,
    errorCode: code,
    ...extra,
  });
  if (code === 429) {
    const seconds =
      err.parameters?.retry_after ?? Number(/retry after (\d+)/i.exec(description)?.[1] ?? 1);
    return failure("rate_limit", { retryAfterMs: Math.max(1, seconds) * 1000 });
  }
  if (code === 403) return failure("forbidden");
  if (code >= 500) return failure("server");
  if (text.includes("message is not modified")) return failure("not_modified");
  if (
    text.includes("message to edit not found") ||
    text.includes("message to delete not found") ||
    text.includes("message can't be edited")
  ) {
    return failure("message_gone");
  }
  if (
    text.includes("message is too long") ||
    text.includes("message_too_long") ||
    text.includes("text is too long")
  ) {
    return failure("too_long");
  }
  if (text.includes("can't parse entities") || text.includes("entity")) return failure("parse");
  if (text.includes("message thread not found")) return failure("thread_not_found");
  const isDraftMethod = method.endsWith("Draft");
  if (
    isDraftMethod &&
    (code === 404 || text.includes("textdraft_peer_invalid") || text.includes("method not found"))
  ) {
    return failure("draft_unsupported");
  }
  if (
    text.includes("chat not found") ||
    text.includes("bot was kicked") ||
    text.includes("user is deactivated")
  ) {
    return failure("forbidden");
  }
  return failure("bad_request");
}

/**
 * Remove bot tokens from a string. grammY's request URLs contain the token
 * (`/bot123:ABC/sendMessage`), and network errors may quote them.
 */
export function redactToken(text: string): string {
  return text.replace(/\d{3,}:[A-Za-z0-9_-]{20,}/g, "<redacted-token>");
}

/** Why a stream could not deliver its text. */
export type DeliveryFailureReason =
  /** The chat is closed to the bot (403). */
  | "forbidden"
  /** A rate-limit penalty would hold the final text longer than `maxFinalWaitMs`. */
  | "penalty_too_long"
  /** The topic does not exist. */
  | "thread_not_found"
  /** Telegram refused the request for a reason that repeating cannot fix, or retries ran out. */
  | "failed";

/** What reached the user and what did not, attached to every failure. */
export interface DeliveryReport {
  /** The messages persisted in the chat, in order. */
  delivered: SentMessage[];
  /** The text of those messages. */
  deliveredText: string;
  /** Text the user has not been shown in a persisted message, so the app can store or retry it. */
  undeliveredText: string;
}

/**
 * The stream could not persist its text. Nothing was dropped silently: the
 * error says what was delivered and carries the text that was not.
 */
export class StreamDeliveryError extends Error implements DeliveryReport {
  override readonly name = "StreamDeliveryError";
  readonly reason: DeliveryFailureReason;
  readonly delivered: SentMessage[];
  readonly deliveredText: string;
  readonly undeliveredText: string;
  /** The Telegram error that ended the stream, if any. */
  readonly apiError?: ApiFailure;

  constructor(reason: DeliveryFailureReason, report: DeliveryReport, apiError?: ApiFailure) {
    const what = apiError ? `: ${apiError.description}` : "";
    super(
      `streamgram could not deliver the reply (${reason}${what}); ` +
        `${report.delivered.length} message(s) delivered, ${report.undeliveredText.length} characters undelivered`,
    );
    this.reason = reason;
    this.delivered = report.delivered;
    this.deliveredText = report.deliveredText;
    this.undeliveredText = report.undeliveredText;
    if (apiError) this.apiError = apiError;
  }
}
