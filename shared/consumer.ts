import { Answer } from "./answer.js";
import type { BotApi } from "./bot-api.js";
import type { BudgetKind, BudgetPriority, ChatBudget } from "./budget.js";
import { Delivery, MIN_TEXT_LIMIT, type Remedy, remedyFor } from "./delivery.js";
import { describeValue as describe } from "./describe.js";
import {
  type ApiFailure,
  type DeliveryFailureReason,
  redactToken,
  StreamDeliveryError,
} from "./errors.js";
import type { StreamHub } from "./hub.js";
import { contentKey, plainText } from "./message-text.js";
import type { PlatformUpdate, ResolvedStreamOptions } from "./options.js";
import { type MessageSlot, Planner, type Step } from "./planner.js";
import { attachPartialResult, type StreamResult, type StreamStats } from "./result.js";
import * as transport from "./transport.js";
import type { FormattedText, SentMessage, StreamEvent } from "./types.js";

/**
 * How long a reply waits for its first text before showing a placeholder
 * ("Thinking…" or `typing`): a model that starts at once shows its text
 * first, instead of the placeholder taking the chat's next slot.
 */
const FIRST_PLACEHOLDER_DELAY_MS = 200;
/**
 * After a tool boundary, how long the next message waits before showing a
 * placeholder: fast tool calls then show none, and a stream that ends right
 * after the boundary leaves no "Thinking…" draft behind.
 */
const SEGMENT_PLACEHOLDER_DELAY_MS = 1_000;
/** Reported limit of a rich message (Bot API 10.1), in characters; counted in UTF-16 units to be safe. */
const RICH_TEXT_LIMIT = 32_768;

/**
 * One reply streaming into one chat: feed it text with {@link delta}, tool
 * boundaries with {@link segment}, and end it with {@link done} or
 * {@link abort}; {@link result} settles when every message is persisted.
 *
 * Create it with {@link StreamHub.stream}, which validates the options and
 * shares the bot's rate budget with every other stream.
 *
 * Guarantees: at most one request in flight; what arrives while a request is
 * in flight goes out in the next one (latest wins); every message fits
 * Telegram's limit and ends at a place of the source that later text cannot
 * change, so no text is shown twice or skipped; the cursor never stays in a
 * finished message; each finished message is persisted exactly once.
 *
 * What to show is planned in `planner.ts`, calls and their failures are in
 * `delivery.ts`, payloads in `transport.ts`; this class holds the state and
 * runs the loop.
 */
export class StreamConsumer {
  /** Settles when the stream is finished: resolves with what it did, or rejects with a {@link StreamDeliveryError} or the source's error. */
  readonly result: Promise<StreamResult>;

  private readonly controller = new AbortController();
  private readonly budget: ChatBudget;
  private readonly isPrivate: boolean;
  private readonly planner: Planner;
  private readonly delivery: Delivery;
  private mode: "draft" | "edit";
  /** Telegram refused our entities once: send the same visible text without them from now on. */
  private withoutEntities = false;
  /** Sending Markdown as rich messages; turned off for good if the server does not know them. */
  private rich: boolean;
  private limit: number;
  private readonly answer: Answer;
  private slot: MessageSlot;
  private readonly persisted: SentMessage[] = [];
  private ended = false;
  private aborted = false;
  private sourceError: { error: unknown } | undefined;
  private readonly startedAt: number;
  private endedAt: number | undefined;
  /** Once ended: the text must have reached Telegram by this time, or the result rejects. */
  private finalDeadline = Number.POSITIVE_INFINITY;
  private deadlineTimer: unknown;
  /** The result has settled: nothing waits any more. */
  private released = false;
  /** Aborted when the final deadline passes: cuts short a wait for a slot, a backoff or a call in flight. */
  private readonly deadlinePassed = new AbortController();
  private wake: (() => void) | undefined;
  private interrupt: AbortController | undefined;
  private readonly detachSignal: () => void = () => {};
  private readonly stats: StreamStats = {
    calls: {},
    tooManyRequests: 0,
    retries: 0,
    bytesSent: 0,
    parseFallbacks: 0,
    transportSwitches: 0,
    messagesLost: 0,
    richFallbacks: 0,
  };

  /** @internal use {@link StreamHub.stream}. */
  constructor(
    private readonly hub: StreamHub,
    /** The chat the reply goes to. */
    readonly chatId: number | string,
    private readonly options: ResolvedStreamOptions,
    /** Where this stream's calls go (its update's Api); the hub's by default. */
    api: BotApi = hub.api,
  ) {
    const chatType =
      options.chatType ?? (typeof chatId === "number" && chatId > 0 ? "private" : "supergroup");
    this.isPrivate = chatType === "private";
    this.budget = hub.budget.chat(chatId, this.isPrivate);
    this.answer = new Answer(options.hideTags);
    this.rich = options.rich;
    this.limit = this.rich ? RICH_TEXT_LIMIT : hub.textLimit;
    this.mode = this.chooseMode();
    this.startedAt = hub.clock.now();
    this.planner = new Planner(options, (ms) => hub.budget.scaled(ms));
    this.delivery = new Delivery({
      api,
      clock: hub.clock,
      callTimeoutMs: hub.callTimeoutMs,
      deadline: this.deadlinePassed.signal,
      stats: this.stats,
    });
    this.slot = this.newSlot(0, "", true);
    const { signal } = options;
    if (signal?.aborted) this.abort(signal.reason);
    else if (signal) {
      const onAbort = () => this.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      // A signal shared by many streams (a default option) must not keep finished ones alive.
      this.detachSignal = () => signal.removeEventListener("abort", onAbort);
    }
    this.result = this.run();
    // The app may not await `result` until later; an early rejection must not crash the process meanwhile.
    this.result.catch(() => {});
  }

  /** Aborted when the stream is stopped: pass it to the model so generation stops too. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The draft id of the message now streaming (drafts only). */
  get draftId(): number {
    return this.slot.draftId;
  }

  /** The transport in use now. */
  get transport(): "draft" | "edit" {
    return this.mode;
  }

  /**
   * Append text. `null` and `undefined` are ignored; chunks may be any size,
   * even half of a surrogate pair.
   * @throws TypeError for anything but a string; Error after {@link done}.
   */
  delta(text: string | null | undefined): void {
    if (text === null || text === undefined) return;
    if (typeof text !== "string") {
      throw new TypeError(`delta() takes a string, got ${describe(text)}`);
    }
    this.assertOpen("delta");
    if (this.answer.delta(text, this.options.showReasoning)) this.notify(false);
  }

  /** Append reasoning text (shown only with `showReasoning`). */
  reasoning(text: string | null | undefined): void {
    if (text === null || text === undefined) return;
    if (typeof text !== "string")
      throw new TypeError(`reasoning() takes a string, got ${describe(text)}`);
    this.assertOpen("reasoning");
    if (this.answer.addReasoning(text, this.options.showReasoning)) this.notify(false);
  }

  /**
   * A tool boundary: finish the current message and continue in a new one
   * below. Ignored when the current message has no text yet, so fast tool calls
   * never leave empty or cursor-only messages.
   */
  segment(): void {
    this.assertOpen("segment");
    if (this.answer.segment()) this.notify(true);
  }

  /** The source is complete: persist everything. Await {@link result} for the outcome. */
  done(): void {
    this.assertOpen("done");
    this.end();
  }

  /**
   * Stop the stream (the user pressed stop, the app gave up): stop reading the
   * source, persist the text that arrived, without cursor, and resolve with
   * `aborted: true`. Does nothing once the stream has ended.
   */
  abort(reason?: unknown): void {
    if (this.ended) return;
    this.aborted = true;
    this.controller.abort(reason ?? new Error("stream aborted"));
    this.end();
  }

  /**
   * End the stream now if it has not ended (as {@link abort} does) and give its
   * text at most `ms` more to reach Telegram. A final still held by a rate-limit
   * penalty, a dead network or a hanging request after that rejects the result
   * with a {@link StreamDeliveryError} carrying what was delivered and what was
   * not. For hosts that must shut down in time (Node-RED gives a node 15 s to
   * close); a longer time than `maxFinalWaitMs` changes nothing.
   */
  finishWithin(ms: number, reason?: unknown): void {
    if (!(ms >= 0)) throw new RangeError(`finishWithin needs a number of ms >= 0, got ${ms}`);
    this.abort(reason);
    this.shortenDeadline(this.hub.clock.now() + ms);
  }

  /** Apply one normalised event. */
  push(event: StreamEvent | string): void {
    if (typeof event === "string") {
      this.delta(event);
      return;
    }
    switch (event?.type) {
      case "delta":
        this.delta(event.text);
        break;
      case "reasoning":
        this.reasoning(event.text);
        break;
      case "segment":
        this.segment();
        break;
      case "done":
        this.done();
        break;
      default:
        throw new TypeError(`not a stream event: ${describe(event)}`);
    }
  }

  /**
   * Read `source` to its end (or until the stream is aborted), then finish.
   * Strings are deltas; objects must be {@link StreamEvent}s. If the source
   * throws, what arrived is persisted and the returned promise rejects with the
   * source's error (see `partialResultOf`).
   */
  async consume(
    source: AsyncIterable<StreamEvent | string> | Iterable<StreamEvent | string>,
  ): Promise<StreamResult> {
    const iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<StreamEvent | string>)[Symbol.asyncIterator]()
        : (source as Iterable<StreamEvent | string>)[Symbol.iterator]();
    // Each read races the stop through a promise of its own, dropped with the read: one
    // promise for the whole stream would keep a reaction per chunk until the stream ends.
    let stop: (() => void) | undefined;
    const onStop = () => stop?.();
    this.signal.addEventListener("abort", onStop, { once: true });
    try {
      while (!this.ended && !this.signal.aborted) {
        const read = iterator.next();
        const next = await new Promise<IteratorResult<StreamEvent | string> | "stopped">(
          (resolve, reject) => {
            stop = () => resolve("stopped");
            Promise.resolve(read).then(resolve, reject);
          },
        );
        stop = undefined;
        if (next === "stopped" || next.done) break;
        this.push(next.value);
      }
      if (!this.ended) this.done();
    } catch (error) {
      this.failSource(error);
    } finally {
      this.signal.removeEventListener("abort", onStop);
      if (this.aborted) void Promise.resolve(iterator.return?.()).catch(() => {});
    }
    return this.result;
  }

  /** The source threw: persist what arrived, then reject {@link result} with `error`. */
  failSource(error: unknown): void {
    if (this.ended) return;
    this.sourceError = { error };
    this.end();
  }

  // ---- state -------------------------------------------------------------

  private assertOpen(call: string): void {
    if (this.ended) throw new Error(`streamgram: ${call}() called after the stream ended`);
  }

  private end(): void {
    if (this.ended) return;
    this.answer.end();
    this.ended = true;
    this.endedAt = this.hub.clock.now();
    this.shortenDeadline(this.endedAt + this.options.maxFinalWaitMs);
    this.notify(true);
  }

  private shortenDeadline(at: number): void {
    // A stream that has settled has nothing left to wait for (and no timer to keep).
    if (at >= this.finalDeadline || this.released) return;
    this.finalDeadline = at;
    if (this.deadlineTimer !== undefined) this.hub.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = this.hub.clock.setTimeout(
      () => this.deadlinePassed.abort("deadline"),
      Math.max(0, at - this.hub.clock.now()),
    );
  }

  /** Wake the loop; `urgent` also cuts short a preview's wait for a slot, so a final can take its place. */
  private notify(urgent: boolean): void {
    this.wake?.();
    if (urgent) this.interrupt?.abort();
  }

  private chooseMode(): "draft" | "edit" {
    const { transport: mode, businessConnectionId } = this.options;
    if (mode === "draft") return "draft";
    if (mode === "edit" || businessConnectionId !== undefined || !this.isPrivate) return "edit";
    return this.hub.draftsUnsupported(this.chatId) ? "edit" : "draft";
  }

  /** A new message starting at `start` of the head segment, after `prefix` carried from the one before. */
  private newSlot(start: number, prefix: string, opensSegment: boolean): MessageSlot {
    const draftId = this.hub.nextDraftId();
    this.hub.registerDraft(this.chatId, this.options.threadId, draftId, this);
    const delay =
      this.persisted.length === 0 ? FIRST_PLACEHOLDER_DELAY_MS : SEGMENT_PLACEHOLDER_DELAY_MS;
    return {
      draftId,
      start,
      prefix,
      opensSegment,
      plain: false,
      shownEnd: start,
      shownAt: Number.NEGATIVE_INFINITY,
      placeholderFrom: this.hub.clock.now() + this.hub.budget.scaled(delay),
      noId: false,
      hasText: false,
    };
  }

  private plan(lazy = false): Step {
    return this.planner.plan({
      lazy,
      segment: this.answer.head,
      slot: this.slot,
      mode: this.mode,
      streamEnded: this.ended,
      rich: this.rich,
      withoutEntities: this.withoutEntities,
      limit: this.limit,
      now: this.hub.clock.now(),
    });
  }

  // ---- the loop ----------------------------------------------------------

  private async run(): Promise<StreamResult> {
    try {
      for (;;) {
        const step = this.plan(true);
        if (step.type === "end") break;
        if (step.type === "idle") {
          await this.sleepUntilChange(step.wakeAt);
          continue;
        }
        if (step.type === "drop") {
          this.nextSegment();
          continue;
        }
        const kind = kindOf(step, this.mode);
        const granted = await this.acquire(kind, step.type === "finish" ? "final" : "preview");
        if (!granted) continue;
        try {
          // Latest wins: build the call from the state as it is now, not as it was when we started waiting.
          const latest = this.plan();
          if (!isCall(latest) || kindOf(latest, this.mode) !== kind) continue;
          await this.perform(latest, () => granted.settle());
        } finally {
          granted.settle();
        }
      }
    } catch (error) {
      this.controller.abort(error);
      // A chat closed to the bot stays closed: nobody can finish its message. Anything
      // else (a final held past its deadline) is left in the journal for recovery.
      if (
        error instanceof StreamDeliveryError &&
        error.reason !== "failed" &&
        error.reason !== "penalty_too_long"
      ) {
        this.hub.journal?.closed(this.chatId, this.slot.draftId);
      }
      this.release();
      if (error instanceof StreamDeliveryError) throw error;
      throw this.deliveryError("failed", {
        kind: "bad_request",
        description: redactToken(String((error as Error)?.message ?? error)),
      });
    }
    this.release();
    const result = this.snapshot();
    if (this.sourceError) {
      attachPartialResult(this.sourceError.error, result);
      throw this.sourceError.error;
    }
    return result;
  }

  /** The stream is over: leave the hub, release the budget, stop the deadline's timer. */
  private release(): void {
    this.released = true;
    this.hub.unregister(this);
    this.hub.budget.release(this.budget);
    this.detachSignal();
    if (this.deadlineTimer !== undefined) this.hub.clock.clearTimeout(this.deadlineTimer);
  }

  private sleepUntilChange(wakeAt: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: unknown;
      this.wake = () => {
        this.wake = undefined;
        if (timer !== undefined) this.hub.clock.clearTimeout(timer);
        resolve();
      };
      if (wakeAt !== undefined) {
        timer = this.hub.clock.setTimeout(
          () => this.wake?.(),
          Math.max(0, wakeAt - this.hub.clock.now()),
        );
      }
    });
  }

  /**
   * Wait for a slot. Returns undefined when the wait was cut short because the
   * state changed (a final became due); the caller plans again.
   */
  private async acquire(kind: BudgetKind, priority: BudgetPriority) {
    const waitFor = new AbortController();
    const onDeadline = () => waitFor.abort("deadline");
    if (priority === "preview") this.interrupt = waitFor;
    else if (this.endedAt !== undefined) {
      const now = this.hub.clock.now();
      if (
        this.deadlinePassed.signal.aborted ||
        now + this.hub.budget.penaltyRemaining(this.budget) > this.finalDeadline
      ) {
        throw this.deliveryError("penalty_too_long");
      }
      this.deadlinePassed.signal.addEventListener("abort", onDeadline, { once: true });
    }
    try {
      return await this.hub.budget.acquire(this.budget, kind, priority, waitFor.signal);
    } catch (reason) {
      if (reason === "deadline") throw this.deliveryError("penalty_too_long");
      return undefined;
    } finally {
      this.deadlinePassed.signal.removeEventListener("abort", onDeadline);
      if (this.interrupt === waitFor) this.interrupt = undefined;
    }
  }

  // ---- performing a step ---------------------------------------------------

  private transportContext(): transport.TransportContext {
    return { chatId: this.chatId, options: this.options, rich: this.rich };
  }

  private async perform(step: CallStep, onReply: () => void): Promise<void> {
    const ctx = this.transportContext();
    const call = async (method: string, payload: Record<string, unknown>) => {
      // The budget counts the call from its reply: Telegram has counted it by then.
      const outcome = await this.delivery.call(method, payload, onReply);
      if (outcome.ok) this.hub.budget.succeeded(this.budget);
      return outcome;
    };
    if (step.type === "waiting") {
      this.slot.shownAt = this.hub.clock.now();
      if (this.mode === "draft") {
        const method = transport.draftMethod(this.rich);
        const outcome = await call(
          method,
          transport.draftPayload(ctx, this.slot.draftId, plainText("")),
        );
        if (outcome.ok) this.succeeded("draft", plainText(""));
        else await this.recover(outcome.failure, method);
        return;
      }
      const outcome = await call("sendChatAction", transport.typingPayload(ctx));
      if (outcome.ok) this.succeeded("typing", plainText(""));
      // A chat action is cosmetic: only a penalty or a closed chat matter.
      else if (outcome.failure.kind === "rate_limit" || outcome.failure.kind === "forbidden") {
        await this.recover(outcome.failure, "sendChatAction");
      }
      return;
    }
    if (step.type === "preview") {
      const shown = this.planner.withCursor(step.text);
      const { method, payload } = this.previewCall(ctx, shown);
      const outcome = await call(method, payload);
      if (outcome.ok || outcome.failure.kind === "not_modified") {
        if (method === transport.sendMethod(this.rich)) {
          const message = outcome.ok ? asMessage(outcome.result) : undefined;
          if (message) this.slot.messageId = message.message_id;
          else this.slot.noId = true;
        }
        this.markShown(shown, step.shownEnd);
        this.succeeded(
          this.mode === "draft" ? "draft" : method.startsWith("send") ? "send" : "edit",
          shown,
        );
      } else {
        await this.recover(outcome.failure, method);
      }
      return;
    }
    await this.finishMessage(step, call);
  }

  /** The call that shows a preview: a draft, the first send, or an edit. */
  private previewCall(
    ctx: transport.TransportContext,
    shown: FormattedText,
  ): { method: string; payload: Record<string, unknown> } {
    if (this.mode === "draft") {
      return {
        method: transport.draftMethod(this.rich),
        payload: transport.draftPayload(ctx, this.slot.draftId, shown),
      };
    }
    if (this.slot.messageId === undefined) {
      return {
        method: transport.sendMethod(this.rich),
        payload: transport.sendPayload(ctx, shown, this.persisted.length === 0),
      };
    }
    return {
      method: "editMessageText",
      payload: transport.editPayload(ctx, this.slot.messageId, shown),
    };
  }

  private markShown(shown: FormattedText, shownEnd: number): void {
    this.delivery.succeeded();
    this.slot.shownKey = contentKey(shown);
    this.slot.shownEnd = shownEnd;
    this.slot.shownAt = this.hub.clock.now();
    this.slot.hasText = true;
    this.stats.timeToFirstVisibleMs ??= this.hub.clock.now() - this.startedAt;
  }

  private async finishMessage(
    step: Extract<Step, { type: "finish" }>,
    call: Delivery["call"],
  ): Promise<void> {
    const slot = this.slot;
    const { text } = step;
    const ctx = this.transportContext();
    if (text.text.length === 0) {
      if (step.end !== undefined) {
        // What comes before the cut shows nothing (an empty code block, say): this
        // message goes on from the cut, keeping what the chat already shows of it.
        slot.start = step.end;
        slot.prefix = step.nextPrefix;
        return;
      }
      // The segment ended as nothing, though a preview showed something: take it away.
      if (this.mode === "edit" && slot.messageId !== undefined && !slot.noId) {
        const outcome = await call("deleteMessage", {
          chat_id: this.chatId,
          message_id: slot.messageId,
        });
        if (!outcome.ok && outcome.failure.kind !== "message_gone") {
          return this.recover(outcome.failure, "deleteMessage");
        }
      }
      this.advance(step);
      return;
    }
    const editing = this.mode === "edit" && slot.messageId !== undefined && !slot.noId;
    const method = editing ? "editMessageText" : transport.sendMethod(this.rich);
    const payload = editing
      ? transport.editPayload(ctx, slot.messageId, text)
      : transport.sendPayload(ctx, text, this.persisted.length === 0);
    const outcome = await call(method, payload);
    if (!outcome.ok && outcome.failure.kind !== "not_modified") {
      return this.recover(outcome.failure, method);
    }
    this.delivery.succeeded();
    const message = outcome.ok ? asMessage(outcome.result) : undefined;
    this.persisted.push(
      message ?? {
        message_id: slot.messageId ?? 0,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(this.chatId), type: this.isPrivate ? "private" : "supergroup" },
        text: text.text,
        entities: text.entities,
      },
    );
    this.stats.timeToFirstVisibleMs ??= this.hub.clock.now() - this.startedAt;
    this.succeeded("final", text, message?.message_id ?? slot.messageId);
    this.advance(step);
  }

  /** The message is persisted: the next one starts where it ended. */
  private advance(step: Extract<Step, { type: "finish" }>): void {
    if (step.end === undefined) this.nextSegment();
    else this.replaceSlot(this.newSlot(step.end, step.nextPrefix, false));
  }

  private nextSegment(): void {
    this.answer.shift();
    this.replaceSlot(this.newSlot(0, "", true));
  }

  /** The message now streaming is done with (persisted, dropped or deleted by the user). */
  private replaceSlot(next: MessageSlot): void {
    this.hub.journal?.closed(this.chatId, this.slot.draftId);
    this.slot = next;
  }

  // ---- failures ------------------------------------------------------------

  /** Apply the remedy for a failed call (see `delivery.ts`), or throw when there is none. */
  private async recover(failure: ApiFailure, method: string): Promise<void> {
    const remedy: Remedy = remedyFor(failure, method, {
      rich: this.rich,
      withoutEntities: this.withoutEntities,
      limit: this.limit,
    });
    switch (remedy.type) {
      case "penalty":
        this.stats.tooManyRequests++;
        this.stats.retries++;
        this.hub.budget.penalize(this.budget, remedy.ms);
        return;
      case "backoff": {
        this.stats.retries++;
        const delay = this.delivery.nextBackoff();
        // No deadline (Infinity) until the stream has ended.
        if (this.hub.clock.now() + delay > this.finalDeadline) {
          throw this.deliveryError("failed", failure);
        }
        await this.sleep(delay);
        return;
      }
      case "done":
        return;
      case "rich_off":
        this.rich = false;
        this.limit = this.hub.textLimit;
        this.stats.richFallbacks++;
        this.slot.shownKey = undefined;
        return;
      case "drafts_off":
        this.mode = "edit";
        this.stats.transportSwitches++;
        this.hub.rememberNoDrafts(this.chatId);
        // The same message goes on by editing, from its start: the draft vanishes when it is sent.
        this.slot.shownKey = undefined;
        this.slot.hasText = false;
        this.slot.shownEnd = this.slot.start;
        return;
      case "message_gone":
        // The user deleted the message (or it is too old to edit): they saw what it showed,
        // so continue below with only what they have not seen.
        this.stats.messagesLost++;
        this.replaceSlot(
          this.newSlot(
            this.slot.shownEnd,
            this.slot.shownEnd === this.slot.start ? this.slot.prefix : "",
            false,
          ),
        );
        return;
      case "without_entities":
        // Same visible text, no entities: nothing the user saw moves, and nothing is lost.
        this.stats.parseFallbacks++;
        this.withoutEntities = true;
        return;
      case "shrink":
        this.limit = Math.max(MIN_TEXT_LIMIT, Math.floor(this.limit * 0.9));
        return;
      case "fatal":
        throw this.deliveryError(remedy.reason, failure);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.hub.clock.setTimeout(resolve, ms));
  }

  /** A call showed `text`: tell the app (`onUpdate`) and the hub's journal. */
  private succeeded(
    action: PlatformUpdate["action"],
    text: FormattedText,
    messageId = this.slot.messageId,
  ): void {
    // With Redis, another process can finish what the chat shows if this one dies.
    if (action !== "final" && action !== "typing") {
      this.hub.journal?.shown({
        chatId: this.chatId,
        ...(this.options.threadId !== undefined && { threadId: this.options.threadId }),
        ...(this.options.businessConnectionId !== undefined && {
          businessConnectionId: this.options.businessConnectionId,
        }),
        transport: this.mode,
        draftId: this.slot.draftId,
        ...(messageId !== undefined && { messageId }),
        text: text.text,
        entities: text.entities,
        cursor: this.options.cursor,
      });
    }
    const onUpdate = this.options.onUpdate;
    if (!onUpdate) return;
    const update: PlatformUpdate = {
      action,
      chatId: this.chatId,
      text: text.text,
      entities: text.entities,
    };
    if (this.options.threadId !== undefined) update.threadId = this.options.threadId;
    if (messageId !== undefined) update.messageId = messageId;
    if (this.mode === "draft" && action !== "final") update.draftId = this.slot.draftId;
    try {
      onUpdate(update);
    } catch {
      // A listener's bug must not break delivery.
    }
  }

  // ---- results -----------------------------------------------------------

  private snapshot(): StreamResult {
    const stats = { ...this.stats, calls: { ...this.stats.calls } };
    if (this.endedAt !== undefined) stats.finalLatencyMs = this.hub.clock.now() - this.endedAt;
    return {
      messages: [...this.persisted],
      text: this.answer.text,
      reasoning: this.answer.reasoning,
      transport: this.mode,
      aborted: this.aborted,
      stats,
    };
  }

  /** Source text not yet in a persisted message: the rest of this segment and every later one. */
  private undeliveredText(): string {
    const [head, ...later] = this.answer.segments;
    const parts = head ? [this.slot.prefix + head.source.slice(this.slot.start)] : [];
    for (const seg of later) parts.push(seg.source);
    return parts
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .join("\n\n");
  }

  private deliveryError(reason: DeliveryFailureReason, failure?: ApiFailure): StreamDeliveryError {
    const delivered = [...this.persisted];
    return new StreamDeliveryError(
      reason,
      {
        delivered,
        deliveredText: delivered.map((m) => m.text ?? "").join("\n\n"),
        undeliveredText: this.undeliveredText(),
      },
      failure,
    );
  }
}

/** The steps that make a call. */
type CallStep = Extract<Step, { type: "waiting" | "preview" | "finish" }>;

function isCall(step: Step): step is CallStep {
  return step.type === "waiting" || step.type === "preview" || step.type === "finish";
}

/** Which budget a step draws on: drafts and chat actions share one, sends and edits another. */
function kindOf(step: Step, mode: "draft" | "edit"): BudgetKind {
  if (step.type === "waiting") return "draft";
  if ((step.type === "preview" || step.type === "update") && mode === "draft") return "draft";
  return "message";
}

function asMessage(result: unknown): SentMessage | undefined {
  if (
    typeof result === "object" &&
    result !== null &&
    typeof (result as SentMessage).message_id === "number"
  ) {
    return result as SentMessage;
  }
  return undefined;
}
