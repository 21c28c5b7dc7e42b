import { closeFence, openFenceAtEnd } from "./code-fence.js";
import { withReasoning } from "./format/index.js";
import { splitCachedRuns } from "./format/markdown/blocks.js";
import { markdownFormatter } from "./format/markdown/formatter.js";
import { isLowSurrogate, wellFormedSource } from "./format/unicode.js";
import { continuationOf, findCut } from "./message-cut.js";
import { contentKey, isBlank, plainText, trimFormatted } from "./message-text.js";
import type { ResolvedStreamOptions } from "./options.js";
import { entityLimitOffset } from "./split.js";
import type { FormattedText } from "./types.js";

/**
 * Planning what a stream shows next: the text of the message now streaming,
 * whether it is a preview or the message's final form, and where a message
 * that no longer fits ends.
 *
 * Every position is in the *source* text of a segment: a message covers
 * `source.slice(start, end)` and renders it alone (with the source carried
 * from the message before, see `message-cut.ts`), so a finished message never
 * changes and the next one starts exactly where it ended, whatever rendering
 * a longer source would have done to earlier text.
 *
 * Pure: it reads the stream's state and returns a {@link Step}; only a
 * rendering failure is recorded (the message is shown as plain text from then on).
 */

/** A draft vanishes 30 s after its last update; refresh it well before. */
const DRAFT_KEEPALIVE_MS = 20_000;
/** A chat action shows for 5 s; refresh it just before it ends. */
const TYPING_REFRESH_MS = 4_500;
/** Reasoning shown above an answer takes at most this share of a message. */
const REASONING_SHARE = 0.5;
/** A message's source is rendered in a window of this many times its room, grown as needed. */
const WINDOW_FACTOR = 1.25;
/** The window grows to at most this many times the message's room. */
const MAX_WINDOW_FACTOR = 4;
/** A table header carried into the next message takes at most this share of it. */
const CONTINUATION_SHARE = 0.25;

/** Text of one tool-call-delimited part of the answer. */
export interface Segment {
  source: string;
  reasoning: string;
  ended: boolean;
}

/** The message currently being streamed. */
export interface MessageSlot {
  draftId: number;
  messageId?: number;
  /** Where this message's text starts in its segment's source. */
  start: number;
  /** Source carried from the message before (a reopened code fence, a table header). */
  prefix: string;
  /** The first message of its segment: it shows the reasoning, if shown at all. */
  opensSegment: boolean;
  /** Rendering failed once: the message is shown as plain text. */
  plain: boolean;
  /** `contentKey` of what the chat shows now (cursor included). */
  shownKey?: string;
  /** How far into the segment's source the user has seen this message. */
  shownEnd: number;
  /** When a preview, placeholder or chat action was last shown. */
  shownAt: number;
  /** No placeholder before this time. */
  placeholderFrom: number;
  /** The transport answered without a message id: the message cannot be edited. */
  noId: boolean;
  /** Whether the chat shows text of this message (not just a placeholder). */
  hasText: boolean;
}

/** What to do next. */
export type Step =
  | { type: "end" }
  | { type: "idle"; wakeAt?: number }
  /** The segment ended with nothing to show: go on to the next. */
  | { type: "drop" }
  /** Show a placeholder ("Thinking…" draft or `typing`). */
  | { type: "waiting" }
  /** New text for the message the chat shows: get a slot, then plan what to show (only when `lazy`). */
  | { type: "update" }
  | { type: "preview"; text: FormattedText; shownEnd: number }
  | {
      type: "finish";
      /** What the message shows when finished. */
      text: FormattedText;
      /** Where the message ends in the segment's source; undefined when it takes the rest of the segment. */
      end?: number;
      /** Source the next message starts with. */
      nextPrefix: string;
    };

/** The state a plan is made from. */
export interface PlanInput {
  segment: Segment | undefined;
  slot: MessageSlot;
  mode: "draft" | "edit";
  /** The stream has ended (done, abort or source error). */
  streamEnded: boolean;
  rich: boolean;
  withoutEntities: boolean;
  /** Longest text of a message, in UTF-16 units. */
  limit: number;
  now: number;
  /** Answer `update` instead of rendering when the message already shows text and more arrived. */
  lazy?: boolean;
}

/** The current message rendered, as planning sees it. */
interface View {
  /** The message's source: carried prefix and its own text (or the first part of it, see `complete`). */
  source: string;
  final: boolean;
  /** Whether `source` holds the message's whole text so far, or only a window on its start. */
  complete: boolean;
  text: FormattedText;
}

/** Plans one stream's messages; see the module comment. */
export class Planner {
  /** The last view rendered, and the cut planned from it (a cut is planned twice: before and after its slot is granted). */
  private cache: { key: string; segment: Segment; view: View; cut?: Step } | undefined;
  private definitions: { length: number; preamble: string } | undefined;
  /** How far the source was planned with nothing new to show, so `update` is not asked for again. */
  private unchanged: { slot: MessageSlot; end: number } | undefined;

  constructor(
    private readonly options: ResolvedStreamOptions,
    /** Scales a duration the way the budget does (tests run faster). */
    private readonly scaled: (ms: number) => number,
  ) {}

  /** What to do next, from the state as it is now. */
  plan(input: PlanInput): Step {
    const { segment, slot, mode, now } = input;
    if (!segment) return { type: "end" };
    const final = segment.ended;
    // A message that cannot be edited shows nothing more until it ends or overflows.
    if (slot.noId && !final && segment.source.length - slot.shownEnd < input.limit / 2) {
      return { type: "idle" };
    }
    // More text for a message the chat already shows: ask for a slot first and render
    // once it is granted, so a thousand streams woken by one event do not all render now.
    const seen = Math.max(slot.shownEnd, this.unchanged?.slot === slot ? this.unchanged.end : 0);
    if (input.lazy && !final && slot.hasText && !slot.noId && segment.source.length > seen) {
      return { type: "update" };
    }
    const view = this.view(input, segment);
    const room = final ? input.limit : input.limit - this.options.cursor.length;
    if (!this.fits(view.text, room) || !view.complete) return this.cut(input, segment, view);
    if (final) {
      const text = slot.noId ? this.unseen(input, segment) : view.text;
      if (isBlank(text) && !slot.hasText) return { type: "drop" };
      return { type: "finish", text, nextPrefix: "" };
    }
    if (input.streamEnded) return { type: "idle" };
    const text = view.text;
    if (isBlank(text)) {
      if (slot.hasText) return { type: "idle" };
      if (mode === "edit" && !this.options.typing) return { type: "idle" };
      const refresh = mode === "draft" ? DRAFT_KEEPALIVE_MS : TYPING_REFRESH_MS;
      const due = Math.max(slot.placeholderFrom, slot.shownAt + this.scaled(refresh));
      return due <= now ? { type: "waiting" } : { type: "idle", wakeAt: due };
    }
    if (slot.noId) return { type: "idle" };
    const shownEnd = segment.source.length;
    if (contentKey(this.withCursor(text)) !== slot.shownKey) {
      return { type: "preview", text, shownEnd };
    }
    // The new text shows nothing new (white space, syntax still held back): no slot for it.
    this.unchanged = { slot, end: shownEnd };
    if (mode === "draft") {
      const due = slot.shownAt + this.scaled(DRAFT_KEEPALIVE_MS);
      return due <= now ? { type: "preview", text, shownEnd } : { type: "idle", wakeAt: due };
    }
    return { type: "idle" };
  }

  /** `text` followed by the cursor. */
  withCursor(text: FormattedText): FormattedText {
    const { cursor } = this.options;
    return cursor ? { text: text.text + cursor, entities: text.entities } : text;
  }

  /** Whether `text` fits a message of `room` units, entities included. */
  private fits(text: FormattedText, room: number): boolean {
    if (text.text.length > room) return false;
    // Rich messages carry Markdown, not entities.
    return entityLimitOffset(text.entities) === undefined;
  }

  /**
   * The current message rendered: its source from its start, but only as much
   * as can matter: a window of 1.25 times the message's room, grown while its
   * rendering still fits (markup and link targets take no room), so a flush
   * costs work in proportion to a message, not to the rest of the answer.
   */
  private view(input: PlanInput, segment: Segment): View {
    const { slot } = input;
    const key = [
      segment.source.length,
      segment.reasoning.length,
      segment.ended,
      slot.start,
      slot.prefix,
      slot.plain,
      input.rich,
      input.withoutEntities,
      input.limit,
    ].join("|");
    if (this.cache?.segment === segment && this.cache.key === key) return this.cache.view;
    const room = segment.ended ? input.limit : input.limit - this.options.cursor.length;
    const rest = segment.source.length - slot.start;
    let view: View;
    for (let window = Math.ceil(WINDOW_FACTOR * input.limit); ; ) {
      const complete = window >= rest;
      const source = slot.prefix + segment.source.slice(slot.start, slot.start + window);
      const final = segment.ended && complete;
      // A window short of the rest is never shown, only measured: render it as finished,
      // or syntax held back at its end (a flood of `[`) would make it look empty.
      const text = this.render(input, segment, source, final || !complete);
      view = { source, final, complete, text };
      // Past four rooms of source, the message ends in it even if it renders short (a flood
      // that renders as a rule): the work of a flush stays bounded whatever the answer.
      if (complete || !this.fits(view.text, room) || window >= MAX_WINDOW_FACTOR * input.limit)
        break;
      // Grow by what the rendering says is missing, and a margin: rarely more than once.
      const missing = (1.1 * room) / Math.max(1, view.text.text.length);
      window = Math.ceil(window * Math.min(2, Math.max(1.25, missing)));
    }
    this.cache = { key, segment, view };
    return view;
  }

  /**
   * The message `source` as the chat shows it, trimmed: rendered by the
   * formatter (or as is for rich messages), with the reasoning above it in
   * the first message of a segment. If the formatter throws, the message is
   * shown as plain text from then on.
   */
  private render(
    input: PlanInput,
    segment: Segment,
    source: string,
    final: boolean,
    closeOpenFence = false,
  ): FormattedText {
    const { slot } = input;
    let text = wellFormedSource(source, final);
    if (this.options.transform) {
      const transformed = this.options.transform(text);
      if (typeof transformed !== "string") throw new TypeError("transform must return a string");
      text = transformed.toWellFormed();
    }
    let rendered: FormattedText | undefined;
    const literal = input.rich || slot.plain || this.options.formatter.name === "plain";
    if (!literal) {
      try {
        rendered = this.options.formatter.render(this.preamble(segment) + text, final);
      } catch {
        slot.plain = true;
      }
    }
    if (rendered === undefined) {
      // Shown as is: a code fence cut in the middle is closed, since the client renders it.
      const open = closeOpenFence ? openFenceAtEnd(text) : undefined;
      rendered = plainText(open ? `${text.trimEnd()}${closeFence(open)}` : text);
    }
    if (this.options.showReasoning && slot.opensSegment && segment.reasoning) {
      const reasoning = capReasoning(segment.reasoning.toWellFormed(), input.limit);
      rendered = withReasoning(reasoning, rendered, segment.source.length > 0);
    }
    if (input.withoutEntities) rendered = plainText(rendered.text);
    return trimFormatted(rendered);
  }

  /**
   * Link reference definitions of the whole segment so far (Markdown only), put
   * before every message's source so `[text][id]` links in any message whose
   * definition arrived before the message ended.
   */
  private preamble(segment: Segment): string {
    if (this.options.formatter !== markdownFormatter) return "";
    const { source } = segment;
    if (this.definitions?.length === source.length) return this.definitions.preamble;
    const preamble = source.includes("]:")
      ? splitCachedRuns(wellFormedSource(source, true).replace(/\r\n?/g, "\n")).preamble
      : "";
    this.definitions = { length: source.length, preamble };
    return preamble;
  }

  /** The message is full: finish it at the best place of its source (see `message-cut.ts`). */
  private cut(input: PlanInput, segment: Segment, view: View): Step {
    const cached = this.cache?.view === view ? this.cache : undefined;
    if (cached?.cut) return cached.cut;
    const step = this.findCut(input, segment, view);
    if (cached) cached.cut = step;
    return step;
  }

  private findCut(input: PlanInput, segment: Segment, view: View): Step {
    const { slot } = input;
    const room = input.limit;
    const boundaries =
      input.rich || this.options.formatter === markdownFormatter
        ? (markdownFormatter.boundaries?.(view.source) ?? [])
        : (this.options.formatter.boundaries?.(view.source) ?? []);
    const render = (end: number) =>
      this.render(input, segment, view.source.slice(0, end), true, true);
    let cut: { end: number; text: FormattedText };
    try {
      cut = findCut({
        source: view.source,
        minCut: slot.prefix.length,
        boundaries: slot.plain ? [] : boundaries,
        render,
        fits: (text) => this.fits(text, room),
        room,
        complete: view.final,
      });
    } catch (error) {
      if (slot.plain) throw error;
      // Nothing rendered fits (a pathological rendering): show this message as plain text.
      slot.plain = true;
      return this.plan(input);
    }
    const end = slot.start + cut.end - slot.prefix.length;
    const text = slot.noId ? this.unseen(input, segment, end) : cut.text;
    const nextPrefix = continuationOf(view.source, cut.end, Math.floor(room * CONTINUATION_SHARE));
    return { type: "finish", text, end, nextPrefix };
  }

  /** What a message that could not be edited has not shown yet: its source from `shownEnd`. */
  private unseen(input: PlanInput, segment: Segment, end = segment.source.length): FormattedText {
    const { slot } = input;
    const from = Math.max(slot.start, Math.min(slot.shownEnd, end));
    const fromStart = from === slot.start;
    const source = (fromStart ? slot.prefix : "") + segment.source.slice(from, end);
    const rest = { ...slot, opensSegment: slot.opensSegment && fromStart };
    return this.render({ ...input, slot: rest }, segment, source, true, true);
  }
}

/** Reasoning longer than its share of a message shows its last part, after an ellipsis. */
function capReasoning(reasoning: string, limit: number): string {
  const max = Math.floor(limit * REASONING_SHARE);
  const trimmed = reasoning.trim();
  if (trimmed.length <= max) return trimmed;
  let from = trimmed.length - (max - 1);
  // Never start between the halves of a surrogate pair.
  if (isLowSurrogate(trimmed.charCodeAt(from))) from++;
  return `…${trimmed.slice(from)}`;
}
