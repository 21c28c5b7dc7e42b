/**
 * The page's lag counter: how long after the model wrote a character the
 * user saw it, measured on the emulator's timeline exactly as the benchmark
 * measures it (see `test/bench/visibility.ts`).
 *
 * The model writes Markdown and the user sees rendered text, so characters
 * are counted in the rendered text: the answer so far is rendered with the
 * formatter the plugin uses, and the rendered characters get the times of
 * the tokens they came from.
 */

import { performance } from "node:perf_hooks";
import { markdownFormatter, type StreamEvent } from "../../shared/index.js";
import {
  countable,
  type Emission,
  emissionTimes,
  firstVisibleTimes,
  mean,
} from "../../test/bench/visibility.js";
import type { ChatTimeline } from "../../test/emulator/index.js";

/** The lag of the latest reply of a chat, in ms. */
export interface LagFigures {
  /** How far the screen is behind the model right now: the age of the oldest emitted character not yet shown (0 if none). */
  behindMs: number;
  /** Mean lag over the characters shown so far. */
  meanMs: number;
}

/** One reply being measured. */
export class ReplyLag {
  /** The answer's parts (between tool calls) as the model wrote them so far. */
  private readonly parts: string[] = [""];
  /** Rendered, countable text of every finished part. */
  private finishedText = "";
  /** The countable rendered text timed so far. */
  private renderedText = "";
  /** When each character of `renderedText` was emitted. */
  private readonly emissions: Emission[] = [];
  /** Source text emitted since the last render, with its times. */
  private pending: Emission[] = [];
  /** When the reply started streaming (`performance.now()`, the emulator's clock). */
  readonly startedAt = performance.now();
  finished = false;

  constructor(readonly chatId: number) {}

  /** Pass `events` through, recording when each piece of text was emitted. */
  async *track(events: AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
    for await (const event of events) {
      if (event.type === "delta") {
        this.parts[this.parts.length - 1] += event.text;
        this.pending.push({ at: performance.now(), text: event.text });
      } else if (event.type === "segment") {
        this.catchUp(true);
        this.finishedText = this.renderedText;
        this.parts.push("");
      }
      yield event;
    }
  }

  /**
   * Render the answer so far and time the rendered characters it added.
   * Rendering on every token would cost more than the demo's model does, so
   * this runs when the figures are asked for (ten times a second): the new
   * rendered characters share out the times of the source emitted since, in
   * order, which is exact to within one refresh.
   */
  private catchUp(partEnded = false): void {
    if (this.pending.length === 0) return;
    const part = this.parts[this.parts.length - 1] as string;
    const rendered = this.finishedText + countable(markdownFormatter.render(part, partEnded).text);
    // Syntax held back at the end can make a render shorter for a moment: wait for the next one.
    if (rendered.length <= this.renderedText.length || !rendered.startsWith(this.renderedText))
      return;
    const added = rendered.slice(this.renderedText.length);
    const sourceTimes = emissionTimes(this.pending);
    const lastAt = (this.pending[this.pending.length - 1] as Emission).at;
    for (let i = 0; i < added.length; i++) {
      const at =
        sourceTimes.length > 0
          ? (sourceTimes[Math.floor((i * sourceTimes.length) / added.length)] as number)
          : lastAt;
      this.emissions.push({ at, text: added.charAt(i) });
    }
    this.renderedText = rendered;
    this.pending = [];
  }

  /** The lag figures against what `timeline` shows, at time `now`. */
  figures(timeline: ChatTimeline, now: number): LagFigures {
    this.catchUp();
    const expected = this.renderedText;
    const first = firstVisibleTimes(expected, timeline, { fromTime: this.startedAt });
    const emitted = emissionTimes(this.emissions);
    const lags: number[] = [];
    let behindMs = 0;
    for (let i = 0; i < expected.length; i++) {
      const seen = first[i] as number;
      const at = emitted[i] as number;
      if (Number.isNaN(seen)) {
        behindMs = Math.max(behindMs, now - at);
        break;
      }
      lags.push(seen - at);
    }
    return { behindMs, meanMs: lags.length > 0 ? mean(lags) : 0 };
  }
}

/** The replies of every chat; the page shows the figures of each chat's latest. */
export class LagMeter {
  private readonly latest = new Map<number, ReplyLag>();

  /** A reply starts in `chatId`. */
  begin(chatId: number): ReplyLag {
    const reply = new ReplyLag(chatId);
    this.latest.set(chatId, reply);
    return reply;
  }

  /** The latest reply of `chatId`, if any. */
  latestOf(chatId: number): ReplyLag | undefined {
    return this.latest.get(chatId);
  }
}
