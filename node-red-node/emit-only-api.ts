/**
 * "Emit only" delivery: a {@link BotApi} that makes no request itself. Each
 * call becomes a message for node-red-contrib-telegrambot's sender node, and
 * the call settles when the sender's output, wired back into streamgram,
 * acknowledges it. The core keeps pacing and ordering exactly as with direct
 * calls, because it still waits for each operation before the next.
 */
import type { BotApi } from "../shared/bot-api.js";
import type { NodeMessage } from "./red.js";

/** The msg property that ties an acknowledgement to its operation. The sender passes it through untouched. */
export const OPERATION_ID_PROPERTY = "streamgramOp";

/**
 * The sender node's longest message: it cuts `message` content above 4000
 * characters into several messages, which would break editing. Emit-only
 * streams therefore split at 4000.
 */
export const SENDER_TEXT_LIMIT = 4000;

/** One operation in the shape node-red-contrib-telegrambot's sender node reads from `msg.payload`. */
export interface SenderPayload {
  chatId: number | string;
  /** `message` (sendMessage), `editMessageText`, or `action` (sendChatAction). */
  type: "message" | "editMessageText" | "action";
  /** The text, or the chat action for `action`. */
  content: string;
  /** Every other Bot API parameter (entities, message_id, message_thread_id, reply_parameters, ...). */
  options: Record<string, unknown>;
}

/**
 * A failure the sender reported, shaped like a Telegram error reply
 * (`error_code`, `description`, `parameters.retry_after`) so the core handles
 * it exactly as a direct call's failure.
 */
export class SenderError extends Error {
  override readonly name = "SenderError";
  readonly error_code: number;
  readonly description: string;
  readonly parameters?: { retry_after?: number };

  constructor(errorCode: number, description: string, retryAfter?: number) {
    super(description);
    this.error_code = errorCode;
    this.description = description;
    if (retryAfter !== undefined) this.parameters = { retry_after: retryAfter };
  }
}

/** No acknowledgement arrived in time; the outcome of the operation is unknown. */
export class AcknowledgementTimeoutError extends Error {
  override readonly name = "AcknowledgementTimeoutError";
}

/** What an acknowledgement says about its operation. */
export interface Acknowledgement {
  operationId: string;
  outcome: { ok: true; result: unknown } | { ok: false; error: Error };
}

/**
 * Turn a Bot API call of the core into a sender payload.
 * @throws SenderError (404) for methods the sender cannot perform; the core
 *   then falls back (drafts) or reports the failure.
 */
export function toSenderPayload(method: string, payload: Record<string, unknown>): SenderPayload {
  const { chat_id: chatId, text, action, ...rest } = payload;
  if (typeof chatId !== "number" && typeof chatId !== "string") {
    throw new TypeError(`${method}: chat_id must be a number or a string`);
  }
  switch (method) {
    case "sendMessage":
      return { chatId, type: "message", content: String(text ?? ""), options: rest };
    case "editMessageText":
      // node-telegram-bot-api's editMessageText(text, options) reads chat_id and message_id from the options.
      return {
        chatId,
        type: "editMessageText",
        content: String(text ?? ""),
        options: { chat_id: chatId, ...rest },
      };
    case "sendChatAction":
      return { chatId, type: "action", content: String(action ?? "typing"), options: rest };
    default:
      throw new SenderError(
        404,
        `Not Found: ${method} is not available through the Telegram sender node`,
      );
  }
}

/**
 * Read `msg` as an acknowledgement: the sender node's output (the operation's
 * msg with `payload.content` replaced by Telegram's result and
 * `payload.sentMessageId` set), or its error output (`msg.error` set).
 * Returns undefined when `msg` carries no operation id, i.e. is no acknowledgement.
 */
export function readAcknowledgement(msg: NodeMessage): Acknowledgement | undefined {
  const id = msg[OPERATION_ID_PROPERTY];
  if (id === undefined || id === null) return undefined;
  const operationId = String(id);
  if (msg.error !== undefined && msg.error !== null && msg.error !== false) {
    return { operationId, outcome: { ok: false, error: senderErrorOf(msg.error) } };
  }
  return { operationId, outcome: { ok: true, result: resultOf(msg.payload) } };
}

function resultOf(payload: unknown): unknown {
  if (typeof payload !== "object" || payload === null) return true;
  const { content, sentMessageId, chatId } = payload as {
    content?: unknown;
    sentMessageId?: unknown;
    chatId?: unknown;
  };
  if (
    typeof content === "object" &&
    content !== null &&
    typeof (content as { message_id?: unknown }).message_id === "number"
  ) {
    return content;
  }
  if (typeof sentMessageId === "number") {
    return {
      message_id: sentMessageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "unknown" },
    };
  }
  return true;
}

/**
 * The sender's error output carries the text of node-telegram-bot-api's error,
 * e.g. `ETELEGRAM: 400 Bad Request: message is not modified`. With a code it is
 * a Telegram reply; without one the request may not have reached Telegram.
 */
function senderErrorOf(error: unknown): Error {
  const text =
    typeof error === "string"
      ? error
      : String((error as { message?: unknown } | null)?.message ?? JSON.stringify(error));
  const match = /ETELEGRAM: (\d{3}) ([^\r\n]*)/.exec(text);
  if (!match)
    return new Error(text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "sender failed");
  const description = match[2] ?? "";
  const retryAfter = /retry after (\d+)/i.exec(description)?.[1];
  return new SenderError(
    Number(match[1]),
    description,
    retryAfter === undefined ? undefined : Number(retryAfter),
  );
}

/** Options of {@link EmitOnlyApi}. */
export interface EmitOnlyApiOptions {
  /** Send one operation msg (on the node's Telegram output). */
  emit(msg: NodeMessage): void;
  /** How long to wait for each acknowledgement, in ms. */
  ackTimeoutMs: number;
  /** Makes operation ids unique across nodes, e.g. the node id. */
  operationPrefix: string;
  /** Told about each operation that timed out, e.g. to warn that the sender's output is not wired back. */
  onUnacknowledged?: (method: string, waitedMs: number) => void;
}

interface PendingOperation {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  startedAt: number;
}

/**
 * A {@link BotApi} that emits each call as a sender-node msg and settles it
 * when {@link acknowledge} is given the sender's answer.
 *
 * Without an acknowledgement within `ackTimeoutMs` the outcome is unknown, and
 * the operation settles the way that can neither duplicate nor lose text:
 * - `sendMessage` resolves without a message id. The core then leaves that
 *   message as it is and sends what the user has not seen in a new message
 *   when the text is final.
 * - `editMessageText` rejects as a network failure: the core retries it,
 *   which is harmless because an edit replaces the whole text.
 * - `sendChatAction` resolves: a typing indicator is cosmetic.
 */
export class EmitOnlyApi implements BotApi {
  private readonly pending = new Map<string, PendingOperation>();
  private sequence = 0;
  private waitingForAcks = true;

  constructor(private readonly options: EmitOnlyApiOptions) {
    if (typeof options?.emit !== "function")
      throw new TypeError("EmitOnlyApi needs an emit(msg) function");
    if (!(Number.isFinite(options.ackTimeoutMs) && options.ackTimeoutMs > 0)) {
      throw new RangeError(
        `ackTimeoutMs must be a positive number of milliseconds, got ${options.ackTimeoutMs}`,
      );
    }
  }

  /** Operations emitted and not yet acknowledged. */
  get waiting(): number {
    return this.pending.size;
  }

  call(method: string, payload: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    let senderPayload: SenderPayload;
    try {
      senderPayload = toSenderPayload(method, payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const operationId = `${this.options.operationPrefix}:${++this.sequence}`;
    const message: NodeMessage = { payload: senderPayload, [OPERATION_ID_PROPERTY]: operationId };
    if (!this.waitingForAcks) {
      this.options.emit(message);
      return Promise.resolve(true);
    }
    return new Promise<unknown>((resolve, reject) => {
      const operation: PendingOperation = {
        method,
        resolve,
        reject,
        startedAt: Date.now(),
        timer: setTimeout(() => this.timeOut(operationId), this.options.ackTimeoutMs),
      };
      this.pending.set(operationId, operation);
      signal?.addEventListener(
        "abort",
        () =>
          this.settle(operationId, {
            ok: false,
            error: Object.assign(new Error("aborted"), { name: "AbortError" }),
          }),
        { once: true },
      );
      this.options.emit(message);
    });
  }

  /**
   * Settle the operation `ack` answers. Returns false when no operation is
   * waiting for it (it timed out already, or belongs to another node).
   */
  acknowledge(ack: Acknowledgement): boolean {
    return this.settle(ack.operationId, ack.outcome);
  }

  /**
   * Stop waiting for acknowledgements: settle every pending operation now, and
   * every later one as soon as it is emitted, as if acknowledged without a
   * result. Used when the node closes: Node-RED stops routing messages to a
   * node before it closes it, so no acknowledgement can reach it any more,
   * while a sender node that keeps running (a "modified nodes" deploy) still
   * performs what is emitted.
   */
  stopWaiting(): void {
    this.waitingForAcks = false;
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: true, result: true });
  }

  private timeOut(operationId: string): void {
    const operation = this.pending.get(operationId);
    if (!operation) return;
    this.options.onUnacknowledged?.(operation.method, Date.now() - operation.startedAt);
    if (operation.method === "editMessageText") {
      this.settle(operationId, {
        ok: false,
        error: new AcknowledgementTimeoutError(
          `no acknowledgement for editMessageText within ${this.options.ackTimeoutMs} ms`,
        ),
      });
    } else {
      this.settle(operationId, { ok: true, result: true });
    }
  }

  private settle(operationId: string, outcome: Acknowledgement["outcome"]): boolean {
    const operation = this.pending.get(operationId);
    if (!operation) return false;
    this.pending.delete(operationId);
    clearTimeout(operation.timer);
    if (outcome.ok) operation.resolve(outcome.result);
    else operation.reject(outcome.error);
    return true;
  }
}
