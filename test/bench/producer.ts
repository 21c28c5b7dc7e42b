/**
 * The model of the benchmark: a deterministic answer of a given size, cut
 * into token-sized pieces and played at a given speed with jitter, with
 * optional silence before the first token and tool calls between parts.
 *
 * One playback feeds every contender of a scenario the same pieces at the
 * same moments, so they are compared on exactly the same input.
 */

import { performance } from "node:perf_hooks";
import type { StreamEvent } from "../../shared/types.js";
import type { Emission } from "./visibility.js";

/** What the model says and how fast. */
export interface AnswerSpec {
  /** Length of the answer in UTF-16 units (letters, spaces, punctuation, paragraph breaks). */
  size: number;
  /** Mean speed of the model in characters per second. */
  charsPerSecond: number;
  /** Silence before the first token, as a reasoning model thinks. Default 0. */
  silenceMs?: number;
  /** Tool calls in the middle of the answer; each ends a part (a `segment` event). Default 0. */
  toolCalls?: number;
  /** How long each tool runs before the answer goes on. Default 1500 ms. */
  toolPauseMs?: number;
  /** Seed of the text and the jitter; the same seed gives the same plan. */
  seed: number;
}

/** One event of the plan, due `at` ms after the start (unscaled). */
export interface PlannedEvent {
  at: number;
  event: StreamEvent;
}

/** A whole answer, ready to be played. */
export interface AnswerPlan {
  /** The answer text, all parts together. */
  text: string;
  /** The parts between tool calls, in order; their concatenation is `text`. */
  parts: string[];
  events: PlannedEvent[];
  /** When the last piece is due (unscaled ms). */
  durationMs: number;
}

/** A small, fast, seedable PRNG (mulberry32): the same seed, the same answer. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the rate budget of a chat allows about one message per second and drafts " +
  "animate while the model writes its answer so the user reads along instead of " +
  "waiting for a long reply telegram counts edits against the same budget and " +
  "answers too many requests when a bot is impatient streaming splits long text " +
  "at a paragraph or sentence boundary keeps every character exactly once and " +
  "never leaves a cursor behind in the finished message"
).split(" ");

/**
 * Prose of exactly `size` UTF-16 units: lower-case words, commas, full stops
 * and blank lines between paragraphs. No character has a meaning in Markdown,
 * so a Markdown renderer shows it as it is.
 */
export function proseText(size: number, random: () => number): string {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size must be a whole number >= 1, got ${size}`);
  let text = "";
  while (text.length < size) {
    const sentences = 3 + Math.floor(random() * 4);
    const paragraph: string[] = [];
    for (let s = 0; s < sentences; s++) {
      const count = 6 + Math.floor(random() * 12);
      const words: string[] = [];
      for (let w = 0; w < count; w++)
        words.push(WORDS[Math.floor(random() * WORDS.length)] as string);
      const sentence = words.join(" ");
      const withComma = count > 10 ? sentence.replace(/ (\w+) /, " $1, ") : sentence;
      paragraph.push(`${withComma.charAt(0).toUpperCase()}${withComma.slice(1)}.`);
    }
    text += (text ? "\n\n" : "") + paragraph.join(" ");
  }
  // Never end on whitespace: a finished message is trimmed, the answer should be comparable as is.
  return text.slice(0, size).replace(/\s+$/u, ".").padEnd(size, ".");
}

/** Cut `text` into `parts` pieces at paragraph breaks close to equal lengths. */
function splitIntoParts(text: string, parts: number): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i < parts; i++) {
    // Never before the previous cut: parts follow each other, they never overlap.
    const target = Math.max(start, Math.round((text.length * i) / parts));
    let cut = text.indexOf("\n\n", target);
    if (cut < 0) cut = target;
    out.push(text.slice(start, cut));
    start = cut;
  }
  out.push(text.slice(start));
  return out;
}

/**
 * Plan an answer: the text, and when each piece of it is emitted. Pieces are
 * 1-7 characters (model tokens), spaced so the mean speed is
 * `charsPerSecond`, each interval jittered by ±50%.
 * @throws RangeError for a size, speed or count out of range.
 */
export function planAnswer(spec: AnswerSpec): AnswerPlan {
  if (!(spec.charsPerSecond > 0))
    throw new RangeError(`charsPerSecond must be > 0, got ${spec.charsPerSecond}`);
  const toolCalls = spec.toolCalls ?? 0;
  if (!Number.isInteger(toolCalls) || toolCalls < 0)
    throw new RangeError(`toolCalls must be a whole number >= 0, got ${toolCalls}`);
  const random = seededRandom(spec.seed);
  const text = proseText(spec.size, random);
  const parts = splitIntoParts(text, toolCalls + 1);
  const events: PlannedEvent[] = [];
  let at = spec.silenceMs ?? 0;
  parts.forEach((part, index) => {
    if (index > 0) {
      events.push({ at, event: { type: "segment" } });
      at += spec.toolPauseMs ?? 1500;
    }
    for (let i = 0; i < part.length; ) {
      const size = 1 + Math.floor(random() * 7);
      const piece = part.slice(i, i + size);
      i += piece.length;
      events.push({ at, event: { type: "delta", text: piece } });
      at += (piece.length / spec.charsPerSecond) * 1000 * (0.5 + random());
    }
  });
  const last = events[events.length - 1];
  return { text, parts, events, durationMs: last ? last.at : 0 };
}

/**
 * An async iterable of events fed from outside: what one contender's stream
 * reads. Reading never blocks the producer; events queue until read.
 */
export class EventChannel implements AsyncIterable<StreamEvent> {
  private readonly queue: StreamEvent[] = [];
  private ended = false;
  private waiting: (() => void) | undefined;

  push(event: StreamEvent): void {
    this.queue.push(event);
    this.waiting?.();
  }

  end(): void {
    this.ended = true;
    this.waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.waiting = () => {
          this.waiting = undefined;
          resolve();
        };
      });
    }
  }
}

/** A playback in progress. */
export interface Playback {
  /** When the playback started (`performance.now()`). */
  startedAt: number;
  /** Each delta with the moment it was due, which is when the model produced it. */
  emissions: Emission[];
  /** Resolves once every event has been pushed and every channel ended. */
  finished: Promise<void>;
}

/**
 * Play `plan` into every channel at once, `timeScale` times faster (0.05 =
 * 20x). Emission times are the scheduled times: a late timer makes the
 * contenders late, and the lag they show includes it.
 */
export function play(plan: AnswerPlan, channels: readonly EventChannel[], timeScale = 1): Playback {
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
  const startedAt = performance.now();
  const emissions: Emission[] = [];
  const finished = (async () => {
    for (const { at, event } of plan.events) {
      const due = startedAt + at * timeScale;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (event.type === "delta") emissions.push({ at: due, text: event.text });
      for (const channel of channels) channel.push(event);
    }
    for (const channel of channels) channel.end();
  })();
  return { startedAt, emissions, finished };
}
