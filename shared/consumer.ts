import type { BudgetKind, BudgetPriority, BudgetSlot, ChatBudget } from "./budget.js";
import { closeFence, FENCE_RESERVE, openFenceAtEnd, reopenFence } from "./code-fence.js";
import { describeValue as describe } from "./describe.js";
import {
  type ApiFailure,
  classifyApiError,
  type DeliveryFailureReason,
  redactToken,
  StreamDeliveryError,
} from "./errors.js";
import { sliceFormatted, withReasoning } from "./format/index.js";
import { isHighSurrogate, wellFormedSource } from "./format/unicode.js";
import type { StreamHub } from "./hub.js";
import { concatFormatted, contentKey, isBlank, plainText, trimFormatted } from "./message-text.js";
import type { PlatformUpdate, ResolvedStreamOptions } from "./options.js";
import { attachPartialResult, type StreamResult, type StreamStats } from "./result.js";
import { entityLimitOffset, splitAtBoundary } from "./split.js";
import { ThinkFilter } from "./think-filter.js";
import type { FormattedText, SentMessage, StreamEvent } from "./types.js";

/** A draft vanishes 30 s after its last update; refresh it well before. */
const DRAFT_KEEPALIVE_MS = 20_000;
/** A chat action shows for 5 s; refresh it just before it ends. */
const TYPING_REFRESH_MS = 4_500;
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
/** Backoff after network errors and 5xx replies: doubles from the first value up to the second. */
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5_000;
/** Reported limit of a rich message (Bot API 10.1), in characters; counted in UTF-16 units to be safe. */
const RICH_TEXT_LIMIT = 32_768;
/** If Telegram says a text is too long although it fits our count, shrink the limit, but never below this. */
const MIN_TEXT_LIMIT = 256;

/** Text of one tool-call-delimited part of the answer. */
interface Segment {
  source: string;
  reasoning: string;
  ended: boolean;
}

/** The message currently being streamed. */
interface MessageSlot {
  draftId: number;
  messageId?: number;
  /** `contentKey` of what the chat shows now (cursor included). */
  shownKey?: string;
  /** How much of the message's text the user has seen, as an index into {@link View.rest}. */
  shownUpTo: number;
  /** When a preview, placeholder or chat action was last shown. */
  shownAt: number;
  /** No placeholder before this time. */
  placeholderFrom: number;
  /** The transport answered without a message id: the message cannot be edited. */
  noId: boolean;
  /** Whether the chat shows text of this message (not just a placeholder). */
  hasText: boolean;
}

/** The part of the head segment that is not yet in a persisted message. */
interface View {
  rest: FormattedText;
  final: boolean;
}

type Step =
  | { type: "end" }
  | { type: "idle"; wakeAt?: number }
  | { type: "drop" }
  | { type: "waiting" }
  | { type: "preview"; text: FormattedText; upTo: number }
  | {
      type: "finish";
      /** What the message shows when finished. */
      text: FormattedText;
      /** The view it was cut from, and where in it the message ends. */
      rest: FormattedText;
      end: number;
      /** How far the segment's rendered text advances once the message is persisted. */
      advance: number;
      nextCarry: FormattedText;
      endsSegment: boolean;
    };

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
 * Telegram's limit and is cut at a good boundary; the cursor never stays in a
 * finished message; each finished message is persisted exactly once.
 */
export class StreamConsumer {
  /** Settles when the stream is finished: resolves with what it did, or rejects with a {@link StreamDeliveryError} or the source's error. */
  readonly result: Promise<StreamResult>;

  private readonly controller = new AbortController();
  private readonly budget: ChatBudget;
  private readonly filter: ThinkFilter;
  private readonly isPrivate: boolean;
  private mode: "draft" | "edit";
  private readonly formatter;
  /** Telegram refused our entities once: send the same visible text without them from now on. */
  private withoutEntities = false;
  /** The budget slot of the call being made, settled when its reply arrives. */
  private granted: BudgetSlot | undefined;
  private viewCache: { segment: Segment; key: string; view: View } | undefined;
  /** Sending Markdown as rich messages; turned off for good if the server does not know them. */
  private rich: boolean;
  private limit: number;
  private readonly segments: Segment[] = [{ source: "", reasoning: "", ended: false }];
  private consumed = 0;
  private carry: FormattedText = plainText("");
  private slot: MessageSlot;
  private readonly persisted: SentMessage[] = [];
  private answerText = "";
  private reasoningText = "";
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
  private failures = 0;
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
  ) {
    const chatType =
      options.chatType ?? (typeof chatId === "number" && chatId > 0 ? "private" : "supergroup");
    this.isPrivate = chatType === "private";
    this.budget = hub.budget.chat(chatId, this.isPrivate);
    this.filter = new ThinkFilter(options.hideTags);
    this.formatter = options.formatter;
    this.rich = options.rich;
    this.limit = this.rich ? RICH_TEXT_LIMIT : hub.textLimit;
    this.mode = this.chooseMode();
    this.startedAt = hub.clock.now();
    this.slot = this.newSlot();
    if (options.signal) {
      if (options.signal.aborted) this.abort(options.signal.reason);
      else
        options.signal.addEventListener("abort", () => this.abort(options.signal?.reason), {
          once: true,
        });
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
    const { visible, reasoning } = this.filter.push(text);
    this.append(visible, reasoning);
  }

  /** Append reasoning text (shown only with `showReasoning`). */
  reasoning(text: string | null | undefined): void {
    if (text === null || text === undefined) return;
    if (typeof text !== "string")
      throw new TypeError(`reasoning() takes a string, got ${describe(text)}`);
    this.assertOpen("reasoning");
    this.append("", text);
  }

  /**
   * A tool boundary: finish the current message and continue in a new one
   * below. Ignored when the current message has no text yet, so fast tool calls
   * never leave empty or cursor-only messages.
   */
  segment(): void {
    this.assertOpen("segment");
    this.flushFilter();
    const last = this.segments[this.segments.length - 1];
    if (last && last.source.length === 0 && !last.ended) return;
    // Half a surrogate pair belongs with its other half, which has not arrived yet.
    const split =
      last && isHighSurrogate(last.source.charCodeAt(last.source.length - 1))
        ? last.source.slice(-1)
        : "";
    if (last) {
      last.source = last.source.slice(0, last.source.length - split.length);
      last.ended = true;
    }
    this.segments.push({ source: split, reasoning: "", ended: false });
    this.notify(true);
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
    const stopped = new Promise<"stopped">((resolve) => {
      if (this.signal.aborted) resolve("stopped");
      this.signal.addEventListener("abort", () => resolve("stopped"), { once: true });
    });
    try {
      while (!this.ended) {
        const next = await Promise.race([iterator.next(), stopped]);
        if (next === "stopped" || next.done) break;
        this.push(next.value);
      }
      if (!this.ended) this.done();
    } catch (error) {
      this.failSource(error);
    } finally {
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

  private append(visible: string, reasoning: string): void {
    const seg = this.segments[this.segments.length - 1];
    if (!seg) return;
    if (visible) {
      seg.source += visible;
      this.answerText += visible;
    }
    if (reasoning) {
      this.reasoningText += reasoning;
      // Reasoning that arrives after the answer started would shift text the user already saw.
      if (seg.source.length === 0) seg.reasoning += reasoning;
    }
    if (visible || (reasoning && this.options.showReasoning)) this.notify(false);
  }

  private flushFilter(): void {
    const { visible, reasoning } = this.filter.end();
    this.append(visible, reasoning);
  }

  private end(): void {
    if (this.ended) return;
    this.flushFilter();
    this.ended = true;
    this.endedAt = this.hub.clock.now();
    this.shortenDeadline(this.endedAt + this.options.maxFinalWaitMs);
    const last = this.segments[this.segments.length - 1];
    if (last) last.ended = true;
    this.notify(true);
  }

  /** Wake the loop; `urgent` also cuts short a preview's wait for a slot, so a final can take its place. */
  private notify(urgent: boolean): void {
    this.wake?.();
    if (urgent) this.interrupt?.abort();
  }

  private chooseMode(): "draft" | "edit" {
    const { transport, businessConnectionId } = this.options;
    if (transport === "draft") return "draft";
    if (transport === "edit" || businessConnectionId !== undefined || !this.isPrivate)
      return "edit";
    return this.hub.draftsUnsupported(this.chatId) ? "edit" : "draft";
  }

  private newSlot(): MessageSlot {
    const draftId = this.hub.nextDraftId();
    this.hub.registerDraft(this.chatId, this.options.threadId, draftId, this);
    const delay =
      this.persisted.length === 0 ? FIRST_PLACEHOLDER_DELAY_MS : SEGMENT_PLACEHOLDER_DELAY_MS;
    const placeholderFrom = this.hub.clock.now() + this.hub.budget.scaled(delay);
    return {
      draftId,
      shownUpTo: 0,
      shownAt: Number.NEGATIVE_INFINITY,
      placeholderFrom,
      noId: false,
      hasText: false,
    };
  }

  // ---- planning ----------------------------------------------------------

  private view(): View | undefined {
    const seg = this.segments[0];
    if (!seg) return undefined;
    // Rendering a long Markdown answer costs milliseconds; the loop asks several times per call.
    const key = `${seg.source.length}|${seg.reasoning.length}|${seg.ended}|${this.rich}|${this.withoutEntities}|${this.consumed}|${this.carry.text}`;
    if (this.viewCache?.segment === seg && this.viewCache.key === key) return this.viewCache.view;
    const view = this.render(seg);
    this.viewCache = { segment: seg, key, view };
    return view;
  }

  private render(seg: Segment): View {
    // A high surrogate at the end waits for its other half.
    let source = wellFormedSource(seg.source, seg.ended);
    if (this.options.transform) {
      const transformed = this.options.transform(source);
      if (typeof transformed !== "string") throw new TypeError("transform must return a string");
      source = transformed.toWellFormed();
    }
    // Rich messages carry the Markdown itself; Telegram renders it.
    let rendered = this.rich ? plainText(source) : this.formatter.render(source, seg.ended);
    if (this.options.showReasoning && seg.reasoning) {
      rendered = withReasoning(seg.reasoning.toWellFormed(), rendered, seg.source.length > 0);
    }
    if (this.withoutEntities) rendered = plainText(rendered.text);
    const from = Math.min(this.consumed, rendered.text.length);
    return {
      rest: concatFormatted(this.carry, sliceFormatted(rendered, from, rendered.text.length)),
      final: seg.ended,
    };
  }

  private plan(): Step {
    const view = this.view();
    if (!view) return { type: "end" };
    const { rest, final } = view;
    const now = this.hub.clock.now();
    const cursor = this.options.cursor;
    const room = final ? this.limit : this.limit - cursor.length;
    // Rich messages carry Markdown, not entities.
    const entityRoom = this.rich ? undefined : entityLimitOffset(rest.entities);
    if (rest.text.length > room || entityRoom !== undefined) return this.cut(rest, entityRoom);
    if (final) {
      const text = trimFormatted(rest);
      if (isBlank(text) && !this.slot.hasText) return { type: "drop" };
      return {
        type: "finish",
        text,
        rest,
        end: rest.text.length,
        advance: Number.POSITIVE_INFINITY,
        nextCarry: plainText(""),
        endsSegment: true,
      };
    }
    if (this.ended) return { type: "idle" };
    const text = trimFormatted(rest);
    if (isBlank(text)) {
      if (this.slot.hasText) return { type: "idle" };
      const refresh = this.mode === "draft" ? DRAFT_KEEPALIVE_MS : TYPING_REFRESH_MS;
      const due = Math.max(
        this.slot.placeholderFrom,
        this.slot.shownAt + this.hub.budget.scaled(refresh),
      );
      if (this.mode === "edit" && !this.options.typing) return { type: "idle" };
      return due <= now ? { type: "waiting" } : { type: "idle", wakeAt: due };
    }
    if (this.slot.noId) return { type: "idle" };
    if (contentKey(this.withCursor(text)) !== this.slot.shownKey) {
      return { type: "preview", text, upTo: rest.text.length };
    }
    if (this.mode === "draft") {
      const due = this.slot.shownAt + this.hub.budget.scaled(DRAFT_KEEPALIVE_MS);
      return due <= now
        ? { type: "preview", text, upTo: rest.text.length }
        : { type: "idle", wakeAt: due };
    }
    return { type: "idle" };
  }

  /**
   * The message is full (its length, or its entities up to `entityRoom`):
   * finish it at the best boundary and carry on in a new one.
   */
  private cut(rest: FormattedText, entityRoom = Number.POSITIVE_INFINITY): Step {
    const plain = this.rich || this.formatter.name === "plain";
    const maxCut = Math.min(this.limit - (plain ? FENCE_RESERVE : 0), entityRoom);
    const at = splitAtBoundary(rest.text, maxCut);
    let text = trimFormatted(sliceFormatted(rest, 0, at));
    let nextCarry = plainText("");
    const open = plain ? openFenceAtEnd(rest.text.slice(0, at)) : undefined;
    if (open) {
      text = concatFormatted(text, plainText(closeFence(open)));
      nextCarry = plainText(reopenFence(open));
    }
    return {
      type: "finish",
      text,
      rest,
      end: at,
      advance: at - this.carry.text.length,
      nextCarry,
      endsSegment: false,
    };
  }

  private withCursor(text: FormattedText): FormattedText {
    return this.options.cursor ? concatFormatted(text, plainText(this.options.cursor)) : text;
  }

  // ---- the loop ----------------------------------------------------------

  private async run(): Promise<StreamResult> {
    try {
      for (;;) {
        const step = this.plan();
        if (step.type === "end") break;
        if (step.type === "idle") {
          await this.sleepUntilChange(step.wakeAt);
          continue;
        }
        if (step.type === "drop") {
          this.nextSegment();
          continue;
        }
        const kind = this.kindOf(step);
        const granted = await this.acquire(kind, step.type === "finish" ? "final" : "preview");
        if (!granted) continue;
        this.granted = granted;
        try {
          // Latest wins: build the call from the state as it is now, not as it was when we started waiting.
          const latest = this.plan();
          if (
            latest.type === "end" ||
            latest.type === "idle" ||
            latest.type === "drop" ||
            this.kindOf(latest) !== kind
          )
            continue;
          await this.perform(latest);
        } finally {
          granted.settle();
          this.granted = undefined;
        }
      }
    } catch (error) {
      this.controller.abort(error);
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

  /** The stream is over: leave the hub and stop the deadline's timer. */
  private release(): void {
    this.released = true;
    this.hub.unregister(this);
    if (this.deadlineTimer !== undefined) this.hub.clock.clearTimeout(this.deadlineTimer);
  }

  private kindOf(step: Step): BudgetKind {
    if (step.type === "waiting") return "draft";
    if (step.type === "preview" && this.mode === "draft") return "draft";
    return "message";
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
  private async acquire(
    kind: BudgetKind,
    priority: BudgetPriority,
  ): Promise<BudgetSlot | undefined> {
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

  private async perform(step: Step): Promise<void> {
    if (step.type === "waiting") return this.showWaiting();
    if (step.type === "preview") return this.showPreview(step.text, step.upTo);
    if (step.type === "finish") return this.finishMessage(step);
  }

  private async showWaiting(): Promise<void> {
    this.slot.shownAt = this.hub.clock.now();
    if (this.mode === "draft") {
      const outcome = await this.call(this.draftMethod(), this.draftPayload(plainText("")));
      if (outcome.ok) this.report("draft", plainText(""));
      else await this.handleFailure(outcome.failure, this.draftMethod());
      return;
    }
    const payload: Record<string, unknown> = { chat_id: this.chatId, action: "typing" };
    if (this.options.threadId !== undefined) payload.message_thread_id = this.options.threadId;
    if (this.options.businessConnectionId !== undefined)
      payload.business_connection_id = this.options.businessConnectionId;
    const outcome = await this.call("sendChatAction", payload);
    if (outcome.ok) this.report("typing", plainText(""));
    // A chat action is cosmetic: only a penalty or a closed chat matter.
    else if (outcome.failure.kind === "rate_limit" || outcome.failure.kind === "forbidden") {
      await this.handleFailure(outcome.failure, "sendChatAction");
    }
  }

  private async showPreview(text: FormattedText, upTo: number): Promise<void> {
    const shown = this.withCursor(text);
    if (this.mode === "draft") {
      const outcome = await this.call(this.draftMethod(), this.draftPayload(shown));
      if (outcome.ok) {
        this.markShown(shown, upTo);
        this.report("draft", shown);
      } else {
        await this.handleFailure(outcome.failure, this.draftMethod());
      }
      return;
    }
    if (this.slot.messageId === undefined) {
      const outcome = await this.call(this.sendMethod(), this.sendPayload(shown));
      if (!outcome.ok) return this.handleFailure(outcome.failure, this.sendMethod());
      const message = asMessage(outcome.result);
      if (message) this.slot.messageId = message.message_id;
      else this.slot.noId = true;
      this.markShown(shown, upTo);
      this.report("send", shown);
      return;
    }
    const outcome = await this.call("editMessageText", this.editPayload(shown));
    if (outcome.ok || outcome.failure.kind === "not_modified") {
      this.markShown(shown, upTo);
      this.report("edit", shown);
    } else {
      await this.handleFailure(outcome.failure, "editMessageText");
    }
  }

  private markShown(shown: FormattedText, upTo: number): void {
    this.failures = 0;
    this.slot.shownKey = contentKey(shown);
    this.slot.shownUpTo = upTo;
    this.slot.shownAt = this.hub.clock.now();
    this.slot.hasText = true;
    this.stats.timeToFirstVisibleMs ??= this.hub.clock.now() - this.startedAt;
  }

  private async finishMessage(step: Extract<Step, { type: "finish" }>): Promise<void> {
    const slot = this.slot;
    // A preview that cannot be edited stays as it is: send only what the user has not seen.
    const text = slot.noId
      ? trimFormatted(sliceFormatted(step.rest, Math.min(slot.shownUpTo, step.end), step.end))
      : step.text;
    if (isBlank(text)) {
      this.advance(step);
      return;
    }
    const editing = this.mode === "edit" && slot.messageId !== undefined && !slot.noId;
    const method = editing ? "editMessageText" : this.sendMethod();
    const outcome = await this.call(
      method,
      editing ? this.editPayload(text) : this.sendPayload(text),
    );
    if (!outcome.ok && outcome.failure.kind !== "not_modified") {
      return this.handleFailure(outcome.failure, method);
    }
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
    this.failures = 0;
    this.stats.timeToFirstVisibleMs ??= this.hub.clock.now() - this.startedAt;
    this.report("final", text, message?.message_id ?? slot.messageId);
    this.advance(step);
  }

  private advance(step: Extract<Step, { type: "finish" }>): void {
    if (step.endsSegment) {
      this.nextSegment();
      return;
    }
    this.consumed += step.advance;
    this.carry = step.nextCarry;
    this.slot = this.newSlot();
  }

  private nextSegment(): void {
    this.segments.shift();
    this.consumed = 0;
    this.carry = plainText("");
    this.slot = this.newSlot();
  }

  // ---- calls and failures -----------------------------------------------

  private async call(
    method: string,
    payload: Record<string, unknown>,
  ): Promise<{ ok: true; result: unknown } | { ok: false; failure: ApiFailure }> {
    this.stats.calls[method] = (this.stats.calls[method] ?? 0) + 1;
    const text =
      payload.text ?? (payload.rich_message as { markdown?: unknown } | undefined)?.markdown;
    if (typeof text === "string") this.stats.bytesSent += Buffer.byteLength(text);
    // A request that hangs must not hold the stream forever: give up on it and treat
    // the outcome as unknown (edits and drafts are then simply repeated).
    const timeout = new AbortController();
    const timer = this.hub.clock.setTimeout(() => timeout.abort(), this.hub.callTimeoutMs);
    // Past the final deadline nobody waits for the reply either.
    const onDeadline = () => timeout.abort();
    this.deadlinePassed.signal.addEventListener("abort", onDeadline, { once: true });
    try {
      const result = await this.hub.api.call(method, payload, timeout.signal).finally(() => {
        // The reply is in: Telegram has counted the call by now.
        this.granted?.settle();
      });
      this.hub.budget.succeeded(this.budget);
      return { ok: true, result };
    } catch (error) {
      if (timeout.signal.aborted) {
        return {
          ok: false,
          failure: {
            kind: "network",
            description: this.deadlinePassed.signal.aborted
              ? `no reply to ${method} before the stream's final deadline`
              : `no reply to ${method} within ${this.hub.callTimeoutMs} ms`,
          },
        };
      }
      return { ok: false, failure: classifyApiError(error, method) };
    } finally {
      this.hub.clock.clearTimeout(timer);
      this.deadlinePassed.signal.removeEventListener("abort", onDeadline);
    }
  }

  private async handleFailure(failure: ApiFailure, method: string): Promise<void> {
    switch (failure.kind) {
      case "rate_limit":
        this.stats.tooManyRequests++;
        this.stats.retries++;
        this.hub.budget.penalize(this.budget, failure.retryAfterMs ?? 1000);
        return;
      case "network":
      case "server": {
        this.stats.retries++;
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.failures++);
        // No deadline (Infinity) until the stream has ended.
        if (this.hub.clock.now() + delay > this.finalDeadline) {
          throw this.deliveryError("failed", failure);
        }
        await this.sleep(delay);
        return;
      }
      case "forbidden":
        throw this.deliveryError("forbidden", failure);
      case "thread_not_found":
        throw this.deliveryError("thread_not_found", failure);
      case "aborted":
        throw this.deliveryError("failed", failure);
      case "not_modified":
        return;
      default:
        break;
    }
    if (this.rich && (method.includes("Rich") || method === "editMessageText")) {
      // The server does not know rich messages: render the Markdown as entities instead.
      this.rich = false;
      this.limit = this.hub.textLimit;
      this.stats.richFallbacks++;
      this.slot.shownKey = undefined;
      return;
    }
    if (method.endsWith("Draft")) {
      // Drafts are not available here (group, old server, business chat): carry on by editing.
      this.mode = "edit";
      this.stats.transportSwitches++;
      this.hub.rememberNoDrafts(this.chatId);
      this.slot.shownKey = undefined;
      this.slot.hasText = false;
      this.slot.shownUpTo = 0;
      return;
    }
    switch (failure.kind) {
      case "message_gone":
        // The user deleted the message (or it is too old to edit): they saw what it showed,
        // so continue below with only what they have not seen.
        this.stats.messagesLost++;
        this.consumed += Math.max(0, this.slot.shownUpTo - this.carry.text.length);
        this.carry = plainText("");
        this.slot = this.newSlot();
        return;
      case "parse":
        if (!this.withoutEntities) {
          // Same visible text, no entities: nothing the user saw moves, and nothing is lost.
          this.stats.parseFallbacks++;
          this.withoutEntities = true;
          return;
        }
        throw this.deliveryError("failed", failure);
      case "too_long":
        if (this.limit > MIN_TEXT_LIMIT) {
          this.limit = Math.max(MIN_TEXT_LIMIT, Math.floor(this.limit * 0.9));
          return;
        }
        throw this.deliveryError("failed", failure);
      default:
        throw this.deliveryError("failed", failure);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.hub.clock.setTimeout(resolve, ms));
  }

  // ---- payloads ----------------------------------------------------------

  private draftMethod(): string {
    return this.rich ? "sendRichMessageDraft" : "sendMessageDraft";
  }

  private sendMethod(): string {
    return this.rich ? "sendRichMessage" : "sendMessage";
  }

  /** The text of a call: `text` and `entities`, or the Markdown of a rich message. */
  private content(text: FormattedText): Record<string, unknown> {
    if (this.rich) return { rich_message: { markdown: text.text } };
    return text.entities.length > 0
      ? { text: text.text, entities: text.entities }
      : { text: text.text };
  }

  private draftPayload(text: FormattedText): Record<string, unknown> {
    const payload: Record<string, unknown> = {
      chat_id: this.chatId,
      draft_id: this.slot.draftId,
      ...this.content(text),
    };
    if (this.options.threadId !== undefined) payload.message_thread_id = this.options.threadId;
    if (this.options.canStop) payload.can_stop = true;
    return payload;
  }

  private sendPayload(text: FormattedText): Record<string, unknown> {
    const payload: Record<string, unknown> = { chat_id: this.chatId, ...this.content(text) };
    if (this.options.threadId !== undefined) payload.message_thread_id = this.options.threadId;
    if (this.options.businessConnectionId !== undefined)
      payload.business_connection_id = this.options.businessConnectionId;
    if (!this.options.linkPreview) payload.link_preview_options = { is_disabled: true };
    if (this.options.replyToMessageId !== undefined && this.persisted.length === 0) {
      payload.reply_parameters = {
        message_id: this.options.replyToMessageId,
        allow_sending_without_reply: true,
      };
    }
    return payload;
  }

  private editPayload(text: FormattedText): Record<string, unknown> {
    const payload: Record<string, unknown> = {
      chat_id: this.chatId,
      message_id: this.slot.messageId,
      ...this.content(text),
    };
    if (this.options.businessConnectionId !== undefined)
      payload.business_connection_id = this.options.businessConnectionId;
    if (!this.options.linkPreview) payload.link_preview_options = { is_disabled: true };
    return payload;
  }

  private report(
    action: PlatformUpdate["action"],
    text: FormattedText,
    messageId = this.slot.messageId,
  ): void {
    // TEMPORARY call site of the hub's journal (redis-coord branch), replaced by the consumer rewrite's own.
    const journal = this.hub.journal;
    if (journal && action === "final") journal.closed(this.chatId, this.slot.draftId);
    else if (journal && action !== "typing") {
      journal.shown({
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
      text: this.answerText,
      reasoning: this.reasoningText,
      transport: this.mode,
      aborted: this.aborted,
      stats,
    };
  }

  /** Text not yet in a persisted message: the rest of this segment and every later one. */
  private undeliveredText(): string {
    const parts: string[] = [];
    try {
      const view = this.view();
      if (view) parts.push(view.rest.text.trim());
    } catch {
      parts.push(this.segments[0]?.source ?? "");
    }
    for (const seg of this.segments.slice(1)) parts.push(seg.source.trim());
    return parts.filter((p) => p.length > 0).join("\n\n");
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
