/**
 * An in-memory stand-in for the Bot API, for unit tests of the core's pure
 * logic under fake timers. Integration tests use the HTTP emulator instead.
 *
 * It keeps what a user would see (messages with their versions, the live
 * draft), answers like Telegram (message ids, "not modified", errors), and can
 * fail calls on demand.
 */
import type { BotApi } from "../../shared/bot-api.js";

export interface FakeMessage {
  messageId: number;
  versions: string[];
  deleted: boolean;
}

export interface FakeCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
}

export type FakeFault =
  | { kind: "telegram"; code: number; description: string; retryAfter?: number }
  | { kind: "network"; applied?: boolean }
  | { kind: "noId" };

export class TelegramError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number },
  ) {
    super(description);
  }
}

export class FakeTelegram implements BotApi {
  readonly calls: FakeCall[] = [];
  readonly messages: FakeMessage[] = [];
  draft: { id: number; text: string } | undefined;
  /** Decides the fate of each call; return undefined to answer normally. */
  faultFor: (
    method: string,
    payload: Record<string, unknown>,
    index: number,
  ) => FakeFault | undefined = () => undefined;
  /** Simulated latency of each call, in (fake) milliseconds. */
  latencyMs = 20;
  private nextId = 1;

  async call(method: string, payload: Record<string, unknown>): Promise<unknown> {
    const index = this.calls.length;
    this.calls.push({ method, payload, at: Date.now() });
    await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faultFor(method, payload, index);
    if (fault?.kind === "telegram") {
      throw new TelegramError(
        fault.code,
        fault.description,
        fault.retryAfter ? { retry_after: fault.retryAfter } : undefined,
      );
    }
    if (fault?.kind === "network" && !fault.applied) throw new Error("socket hang up");
    const result = this.apply(method, payload);
    if (fault?.kind === "network") throw new Error("socket hang up");
    if (fault?.kind === "noId") return true;
    return result;
  }

  private apply(method: string, payload: Record<string, unknown>): unknown {
    const text = String(payload.text ?? "");
    if (method === "sendMessageDraft") {
      this.draft = { id: Number(payload.draft_id), text };
      return true;
    }
    if (method === "sendChatAction") return true;
    if (method === "sendMessage") {
      if (text.length === 0) throw new TelegramError(400, "Bad Request: message text is empty");
      if (text.length > 4096) throw new TelegramError(400, "Bad Request: message is too long");
      this.draft = undefined;
      const message = { messageId: this.nextId++, versions: [text], deleted: false };
      this.messages.push(message);
      return {
        message_id: message.messageId,
        date: 0,
        chat: { id: Number(payload.chat_id), type: "private" },
        text,
      };
    }
    if (method === "editMessageText") {
      const message = this.messages.find((m) => m.messageId === payload.message_id);
      if (!message || message.deleted)
        throw new TelegramError(400, "Bad Request: message to edit not found");
      if (text.length > 4096) throw new TelegramError(400, "Bad Request: MESSAGE_TOO_LONG");
      if (message.versions[message.versions.length - 1] === text) {
        throw new TelegramError(
          400,
          "Bad Request: message is not modified: specified new message content and reply markup are exactly the same",
        );
      }
      message.versions.push(text);
      return {
        message_id: message.messageId,
        date: 0,
        chat: { id: Number(payload.chat_id), type: "private" },
        text,
      };
    }
    if (method === "deleteMessage") {
      const message = this.messages.find((m) => m.messageId === payload.message_id);
      if (!message || message.deleted)
        throw new TelegramError(400, "Bad Request: message to delete not found");
      message.deleted = true;
      return true;
    }
    throw new TelegramError(404, "Not Found");
  }

  /** The texts of the messages a user sees now, in order. */
  visibleTexts(): string[] {
    return this.messages
      .filter((m) => !m.deleted)
      .map((m) => m.versions[m.versions.length - 1] ?? "");
  }

  callsOf(...methods: string[]): FakeCall[] {
    return this.calls.filter((c) => methods.includes(c.method));
  }
}
