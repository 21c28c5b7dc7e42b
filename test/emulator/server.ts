/**
 * The emulator's HTTP server and the {@link Emulator} handle tests drive it
 * with. Plain `node:http` on 127.0.0.1 with a random port; grammY talks to it
 * through `new Bot(token, { client: { apiRoot: emulator.apiRoot } })`.
 *
 * The emulator never logs; tokens are reduced to the bot id in every record.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { CallLog, type CallOutcome } from "./call-log.js";
import { CONTROL_PREFIX, controlReply } from "./control.js";
import { ApiError } from "./errors.js";
import { FaultQueue, faultKind } from "./faults.js";
import { RateLimiter, type ResolvedEmulatorOptions, resolveEmulatorOptions } from "./limits.js";
import { BotApiMethods, chatJson, type MethodContext } from "./methods.js";
import { decodeParams, Params } from "./params.js";
import { ChatRegistry, currentVersion } from "./timeline.js";
import type {
  CallRecord,
  ChatSpec,
  ChatTimeline,
  Emulator,
  EmulatorOptions,
  EmulatorStats,
  Fault,
  TimelineMessage,
  Update,
  WebhookAttempt,
} from "./types.js";
import { UpdateQueue } from "./updates.js";
import { userMessage } from "./user.js";
import { type ResolvedWebhookOptions, resolveWebhookOptions, WebhookDelivery } from "./webhook.js";

/** Largest request body accepted (Telegram's own limit for JSON bodies is far below). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** `/bot<digits>:<secret>/<method>`; anything else is Telegram's 404. */
const PATH = /^\/bot(\d+):([A-Za-z0-9_-]+)\/([A-Za-z0-9_]+)\/?$/;

/** A reply ready to send. */
interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function replyOf(error: ApiError): Reply {
  const body: Record<string, unknown> = {
    ok: false,
    error_code: error.code,
    description: error.description,
  };
  if (error.retryAfter !== undefined) body.parameters = { retry_after: error.retryAfter };
  return { status: error.code, body };
}

function outcomeOf(reply: Reply): CallOutcome {
  const description = reply.body.description;
  const parameters = reply.body.parameters as { retry_after?: number } | undefined;
  return {
    status: reply.status,
    ok: reply.body.ok === true,
    ...(typeof description === "string" ? { description } : {}),
    ...(parameters?.retry_after !== undefined ? { retryAfter: parameters.retry_after } : {}),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, "Request Entity Too Large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function numericChatId(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

function checkChatId(chatId: number, what: string): void {
  if (!Number.isSafeInteger(chatId) || chatId === 0) {
    throw new RangeError(`${what}: chatId must be a non-zero integer, got ${chatId}`);
  }
}

/** The running emulator: HTTP front, Bot API state and the test-facing handle. */
class LocalBotApi implements Emulator {
  private root = "";
  private readonly server: Server;
  private readonly log = new CallLog();
  private readonly faults = new FaultQueue();
  private readonly chats: ChatRegistry;
  private readonly updates = new UpdateQueue();
  private readonly webhook: WebhookDelivery;
  private readonly methods: BotApiMethods;
  /** Requests being answered, so close() can let long polls reply first. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lateReplies = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  constructor(options: ResolvedEmulatorOptions, webhook: ResolvedWebhookOptions) {
    const { limits, timeScale } = options;
    this.chats = new ChatRegistry(limits.draftTtlMs * timeScale);
    this.webhook = new WebhookDelivery(this.updates, webhook);
    this.methods = new BotApiMethods({
      options,
      chats: this.chats,
      limiter: new RateLimiter(limits, timeScale),
      updates: this.updates,
      webhook: this.webhook,
    });
    this.server = createServer((req, res) => {
      const handling = this.handle(req, res).catch(() => {
        // A failure after the reply started (say, the client went away): nothing left to answer.
        if (!res.headersSent) res.destroy();
      });
      this.inFlight.add(handling);
      void handling.finally(() => this.inFlight.delete(handling));
    });
  }

  get apiRoot(): string {
    return this.root;
  }

  get calls(): CallRecord[] {
    return this.log.records;
  }

  get webhookAttempts(): WebhookAttempt[] {
    return this.webhook.attempts;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.root = `http://127.0.0.1:${address.port}`;
  }

  now(): number {
    return performance.now();
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.webhook.close();
    this.updates.close();
    for (const timer of this.lateReplies) clearTimeout(timer);
    // Let woken long polls send their (empty) answers before sockets go.
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => setTimeout(resolve, 500)),
    ]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  addChat(chat: ChatSpec): void {
    this.chats.add(chat);
  }

  stats(): EmulatorStats {
    return this.log.stats();
  }

  timeline(chatId: number): ChatTimeline {
    return this.chats.get(chatId).snapshot(this.now());
  }

  visibleMessages(chatId: number, threadId?: number): TimelineMessage[] {
    return this.chats.get(chatId).visibleMessages(threadId);
  }

  visibleText(chatId: number, options: { threadId?: number; includeDraft?: boolean } = {}): string {
    const chat = this.chats.get(chatId);
    const parts = chat.visibleMessages(options.threadId).map((m) => currentVersion(m).text);
    if (options.includeDraft) {
      const draft = chat.draftOnScreen(options.threadId, this.now());
      if (draft) parts.push(currentVersion(draft).text);
    }
    return parts.join("\n");
  }

  injectFault(fault: Fault): void {
    this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  deleteMessageAsUser(chatId: number, messageId: number): void {
    checkChatId(chatId, "deleteMessageAsUser");
    if (!this.chats.get(chatId).deleteMessage(messageId, this.now())) {
      throw new RangeError(`deleteMessageAsUser: chat ${chatId} has no message ${messageId}`);
    }
  }

  blockBot(chatId: number): void {
    checkChatId(chatId, "blockBot");
    this.chats.get(chatId).blocked = true;
  }

  sendUserMessage(
    chatId: number,
    text: string,
    options: {
      threadId?: number;
      from?: { id: number; first_name: string };
      businessConnectionId?: string;
    } = {},
  ): Update {
    checkChatId(chatId, "sendUserMessage");
    if (typeof text !== "string") throw new TypeError("sendUserMessage: text must be a string");
    const chat = this.chats.get(chatId);
    const date = Math.floor(Date.now() / 1000);
    const messageId = chat.addUserMessage(text, date, options.threadId);
    const message = userMessage({
      messageId,
      date,
      chat: chatJson(chat),
      from: options.from ?? {
        id: chat.type === "private" ? chatId : 1_000_001,
        first_name: "User",
      },
      text,
      threadId: options.threadId,
      isTopicMessage: chat.topics !== undefined,
      businessConnectionId: options.businessConnectionId,
    });
    const update =
      options.businessConnectionId !== undefined ? { business_message: message } : { message };
    return this.updates.push(update as unknown as Omit<Update, "update_id">);
  }

  pressStop(chatId: number, draftId: number, threadId?: number): Update {
    checkChatId(chatId, "pressStop");
    if (!Number.isSafeInteger(draftId) || draftId === 0) {
      throw new RangeError(`pressStop: draftId must be a non-zero integer, got ${draftId}`);
    }
    const chat = this.chats.get(chatId);
    chat.stopDraft(draftId, threadId, this.now());
    const stopped: Record<string, unknown> = { chat: chatJson(chat), draft_id: draftId };
    if (threadId !== undefined) stopped.message_thread_id = threadId;
    return this.updates.push({ stopped_message_generation: stopped } as unknown as Omit<
      Update,
      "update_id"
    >);
  }

  injectUpdate(update: Omit<Update, "update_id">): Update {
    if (typeof update !== "object" || update === null || Object.keys(update).length === 0) {
      throw new TypeError("injectUpdate needs an update object with one update field");
    }
    return this.updates.push(update);
  }

  waitForCall(predicate: (c: CallRecord) => boolean, timeoutMs = 5000): Promise<CallRecord> {
    return this.log.waitFor(predicate, timeoutMs);
  }

  /** Answer one HTTP request. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      await this.control(req, res, url.pathname);
      return;
    }
    const path = PATH.exec(url.pathname);
    if (!path) {
      req.resume();
      await this.send(res, replyOf(new ApiError(404, "Not Found")));
      return;
    }
    const [, botId = "", secret = "", methodInUrl = ""] = path;

    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof ApiError) await this.send(res, replyOf(error));
      return;
    }
    const at = this.now();

    let params: Record<string, unknown> = {};
    let badParams: ApiError | undefined;
    try {
      params = decodeParams(body, req.headers["content-type"], url.searchParams);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      badParams = error;
    }

    const method = this.methods.canonicalName(methodInUrl) ?? methodInUrl;
    const record: CallRecord = { method, token: botId, params, at, status: 0, ok: false };
    const chatId = numericChatId(params.chat_id);
    if (chatId !== undefined) record.chatId = chatId;
    this.log.add(record);

    const fault = this.faults.take(method, chatId);
    if (fault) record.fault = faultKind(fault);

    if (fault && "error" in fault) {
      const { code, description, retryAfter } = fault.error;
      await this.answer(record, res, replyOf(new ApiError(code, description, retryAfter)));
      return;
    }
    if (fault && "reset" in fault) {
      this.resetSocket(
        record,
        res,
        "connection reset before the call was applied (injected fault)",
      );
      return;
    }
    if (fault && "hang" in fault) {
      record.description = "hanging until the emulator closes (injected fault)";
      return;
    }

    const aborted = new AbortController();
    res.on("close", () => aborted.abort());
    const reply = badParams
      ? replyOf(badParams)
      : await this.run(methodInUrl, {
          botId: Number(botId),
          botKey: `${botId}:${secret}`,
          params: new Params(params),
          at,
          signal: aborted.signal,
        });

    if (fault && "resetAfterApply" in fault) {
      this.log.answer(record, outcomeOf(reply), this.now());
      res.destroy();
      return;
    }
    if (fault && "delayMs" in fault) {
      const timer = setTimeout(() => {
        this.lateReplies.delete(timer);
        void this.answer(record, res, reply);
      }, fault.delayMs);
      this.lateReplies.add(timer);
      return;
    }
    await this.answer(record, res, reply);
  }

  /** A tester's request to the control routes (see `control.ts`); never recorded as a call. */
  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof ApiError) await this.send(res, replyOf(error));
      return;
    }
    await this.send(res, controlReply(this, req.method ?? "GET", path, body));
  }

  /** Run a method and turn its result or error into a reply. */
  private async run(method: string, ctx: MethodContext): Promise<Reply> {
    try {
      const result = await this.methods.call(method, ctx);
      return { status: 200, body: { ok: true, result } };
    } catch (error) {
      if (error instanceof ApiError) return replyOf(error);
      const message = error instanceof Error ? error.message : String(error);
      return replyOf(new ApiError(500, `Internal Server Error: ${message}`));
    }
  }

  /** Send the reply, record the outcome, and resolve once the reply has left (or the socket closed). */
  private answer(record: CallRecord, res: ServerResponse, reply: Reply): Promise<void> {
    const sent = this.send(res, reply);
    this.log.answer(record, outcomeOf(reply), this.now());
    return sent;
  }

  private resetSocket(record: CallRecord, res: ServerResponse, description: string): void {
    res.destroy();
    this.log.answer(record, { reset: true, description }, this.now());
  }

  private send(res: ServerResponse, reply: Reply): Promise<void> {
    if (res.destroyed || res.writableEnded) return Promise.resolve();
    const payload = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(payload),
    });
    // close() waits for this, so a woken long poll's answer is flushed before sockets go.
    const left = new Promise<void>((resolve) => {
      res.once("finish", resolve);
      res.once("close", resolve);
    });
    res.end(payload);
    return left;
  }
}

/**
 * Start an emulator on 127.0.0.1 with a random port.
 *
 * @example
 * const emulator = await startEmulator({ timeScale: 0.05 });
 * const bot = new Bot("123:secret", { client: { apiRoot: emulator.apiRoot } });
 * // ... drive the bot, then inspect emulator.timeline(chatId)
 * await emulator.close();
 *
 * @throws TypeError/RangeError for invalid options (see {@link EmulatorOptions});
 *   the listen error (`EADDRINUSE`) when `port` is taken.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveEmulatorOptions(options);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be a whole number 0-65535, got ${port}`);
  }
  const emulator = new LocalBotApi(
    resolved,
    resolveWebhookOptions(options.webhook, resolved.timeScale),
  );
  await emulator.listen(port);
  return emulator;
}
