/**
 * What the user saw, and when: turns the emulator's recorded timeline of a
 * chat into the moment each character of an answer first appeared on screen,
 * and checks the finished messages against the answer for lost and
 * duplicated characters.
 *
 * Characters are compared after {@link countable}: whitespace is dropped
 * (message splits trim it, so it is neither lost nor late) and so is the
 * streaming cursor. Everything else must match exactly, in order.
 */

import type { ChatTimeline } from "../emulator/index.js";

/** The cursor glyph streamers append while a message grows (streamgram's default is " ▉"). */
const CURSOR_GLYPHS = /[\s\u2589]/gu;

/**
 * The characters of `text` that the measurements count: everything but
 * whitespace and the cursor glyph `▉`.
 */
export function countable(text: string): string {
  return text.replace(CURSOR_GLYPHS, "");
}

/** One change of the user's screen, derived from the timeline. */
type ScreenChange =
  | { at: number; kind: "message"; id: number; text: string }
  | { at: number; kind: "message-gone"; id: number }
  | { at: number; kind: "draft"; id: number; text: string }
  | { at: number; kind: "draft-gone"; id: number };

/** Which part of a chat's timeline belongs to the answer being measured. */
export interface AnswerWindow {
  /** Only bot messages with an id at or above this count (the demo measures one reply of many). Default 0. */
  fromMessageId?: number;
  /** Only drafts and message versions at or after this time (emulator clock). Default: all. */
  fromTime?: number;
}

function screenChanges(timeline: ChatTimeline, window: AnswerWindow): ScreenChange[] {
  const fromId = window.fromMessageId ?? 0;
  const fromTime = window.fromTime ?? Number.NEGATIVE_INFINITY;
  const changes: ScreenChange[] = [];
  for (const message of timeline.messages) {
    if (message.messageId < fromId) continue;
    for (const version of message.versions) {
      if (version.at < fromTime) continue;
      changes.push({
        at: version.at,
        kind: "message",
        id: message.messageId,
        text: countable(version.text),
      });
    }
    if (message.deletedAt !== undefined) {
      changes.push({ at: message.deletedAt, kind: "message-gone", id: message.messageId });
    }
  }
  for (const draft of timeline.drafts) {
    // Drafts of other topics are not on this screen; the bench and the demo use none.
    if (draft.threadId !== undefined) continue;
    for (const version of draft.versions) {
      if (version.at < fromTime) continue;
      changes.push({
        at: version.at,
        kind: "draft",
        id: draft.draftId,
        text: countable(version.text),
      });
    }
    if (draft.vanishedAt !== undefined && draft.vanishedAt >= fromTime) {
      changes.push({ at: draft.vanishedAt, kind: "draft-gone", id: draft.draftId });
    }
  }
  // Stable sort: at equal times, the order of the recording (messages first) is kept.
  return changes.sort((a, b) => a.at - b.at);
}

/** Length of the common prefix of `text` and `expected` read from `offset`. */
function matchedLength(text: string, expected: string, offset: number): number {
  const max = Math.min(text.length, expected.length - offset);
  let n = 0;
  while (n < max && text.charCodeAt(n) === expected.charCodeAt(offset + n)) n++;
  return n;
}

/**
 * For every character of `expected` (already passed through
 * {@link countable}), the emulator-clock time it first became visible: when a
 * message version or a draft version first showed the answer up to and
 * including it, in order, together with the messages above it. `NaN` for a
 * character the user never saw.
 *
 * The screen is read as the user reads it: the answer's messages in the
 * order they were sent, then the live draft. A character counts as visible
 * only once everything before it is visible too, so a duplicated or garbled
 * part stops the count until the screen is right again.
 */
export function firstVisibleTimes(
  expected: string,
  timeline: ChatTimeline,
  window: AnswerWindow = {},
): Float64Array {
  const first = new Float64Array(expected.length).fill(Number.NaN);
  const messages = new Map<number, string>();
  let draft: { id: number; text: string } | undefined;
  let seen = 0;
  for (const change of screenChanges(timeline, window)) {
    switch (change.kind) {
      case "message":
        messages.set(change.id, change.text);
        break;
      case "message-gone":
        messages.delete(change.id);
        break;
      case "draft":
        draft = { id: change.id, text: change.text };
        break;
      case "draft-gone":
        if (draft?.id === change.id) draft = undefined;
        break;
    }
    let shown = 0;
    const ordered = [...messages.entries()].sort((a, b) => a[0] - b[0]).map(([, text]) => text);
    if (draft) ordered.push(draft.text);
    for (const text of ordered) {
      const n = matchedLength(text, expected, shown);
      shown += n;
      // A wrong part hides everything after it; its correct prefix still counts.
      if (n < text.length) break;
    }
    for (; seen < shown; seen++) first[seen] = change.at;
  }
  return first;
}

/** One piece of the answer as the producer emitted it. */
export interface Emission {
  /** When it was emitted, on the same clock as the timeline. */
  at: number;
  text: string;
}

/**
 * For every countable character of the concatenated emissions, when it was
 * emitted. Its length equals `countable(all emitted text).length`.
 */
export function emissionTimes(emissions: readonly Emission[]): Float64Array {
  const total = emissions.reduce((n, e) => n + countable(e.text).length, 0);
  const times = new Float64Array(total);
  let k = 0;
  for (const emission of emissions) {
    const n = countable(emission.text).length;
    times.fill(emission.at, k, k + n);
    k += n;
  }
  return times;
}

/** Lags of the characters that became visible, in milliseconds, unsorted. */
export function visibleLags(first: Float64Array, emitted: Float64Array): number[] {
  if (first.length !== emitted.length) {
    throw new RangeError(
      `first (${first.length}) and emitted (${emitted.length}) must describe the same characters`,
    );
  }
  const lags: number[] = [];
  for (let i = 0; i < first.length; i++) {
    const seen = first[i] as number;
    if (!Number.isNaN(seen)) lags.push(seen - (emitted[i] as number));
  }
  return lags;
}

/** Mean of `values`, or NaN for none. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The `p`-quantile (0-1) of `values` by the nearest-rank method, or NaN for none. */
export function quantile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be between 0 and 1, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] as number;
}

/** How the finished messages compare with the answer. */
export interface DeliveryCheck {
  /** Countable characters of the answer that no finished message contains. */
  lost: number;
  /** Countable characters of the finished messages beyond one copy of the answer (repeats and garbage). */
  duplicated: number;
  /** Finished messages that still end with the cursor glyph. */
  cursorLeft: number;
}

/**
 * Compare the text of the finished messages (in order) with the answer.
 * Each message is located in the answer (where the previous one ended, else
 * further on, else anywhere: it repeats earlier text) and matched as far as
 * it agrees;
 * answer characters covered by no message are lost, message characters that
 * cover an already covered answer character or match nothing are duplicated.
 */
export function checkDelivery(answer: string, finishedTexts: readonly string[]): DeliveryCheck {
  const expected = countable(answer);
  const coverage = new Uint16Array(expected.length);
  let unmatched = 0;
  let cursorLeft = 0;
  let next = 0;
  for (const raw of finishedTexts) {
    if (raw.trimEnd().endsWith("\u2589")) cursorLeft++;
    const text = countable(raw);
    if (text.length === 0) continue;
    const probe = text.slice(0, 32);
    // Where the previous message ended, else further on (a message went missing), else anywhere (a repeat).
    let start = expected.startsWith(probe, next) ? next : expected.indexOf(probe, next);
    if (start < 0) start = expected.indexOf(probe);
    if (start < 0) start = expected.indexOf(text.slice(0, 8));
    if (start < 0) {
      unmatched += text.length;
      continue;
    }
    const n = matchedLength(text, expected, start);
    for (let i = start; i < start + n; i++) coverage[i] = (coverage[i] as number) + 1;
    unmatched += text.length - n;
    next = start + n;
  }
  let lost = 0;
  let repeated = 0;
  for (const c of coverage) {
    if (c === 0) lost++;
    else repeated += c - 1;
  }
  return { lost, duplicated: repeated + unmatched, cursorLeft };
}
