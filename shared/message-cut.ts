import { openFenceAtEnd, reopenFence } from "./code-fence.js";
import { splitAtBoundary } from "./split.js";
import type { FormattedText } from "./types.js";

/**
 * Where a message that no longer fits ends, as a position in its *source*
 * text, so the next message renders the source from there and nothing is shown
 * twice or skipped, however rendering of a longer source would change.
 *
 * Preferred: a block boundary that later text cannot reopen (the formatter's
 * `boundaries`), the last one whose rendering fits, and not right after a
 * heading (the heading goes with its paragraph). When the best such boundary
 * leaves the message less than half full (one block is longer than a message),
 * the block itself is cut at a paragraph, line, sentence or word boundary of
 * its source, never inside a grapheme cluster; a code fence or a table cut
 * that way is continued in the next message (see {@link continuationOf}).
 */

/** What {@link findCut} needs. */
export interface CutInput {
  /** The message's source (a carried prefix included). */
  source: string;
  /** Never cut before this (the carried prefix). */
  minCut: number;
  /** Block boundaries of `source`, ascending. */
  boundaries: readonly number[];
  /** How `source.slice(0, end)` looks as a finished message (trimmed). */
  render(end: number): FormattedText;
  /** Whether a rendering fits one message (length and entities). */
  fits(text: FormattedText): boolean;
  /** The message's room in UTF-16 units. */
  room: number;
  /**
   * Whether `source` is all the message will ever have (the stream has ended);
   * if not, a cut never takes all of it: its last word may still grow.
   */
  complete?: boolean;
}

/** A cut: the message ends at `end` of its source and shows `text`. */
export interface Cut {
  end: number;
  text: FormattedText;
}

/** How many times a cut inside a block is tried, each shorter, before giving up. */
const ATTEMPTS = 24;

/**
 * Find where the message ends (see the module comment).
 * @throws Error when no piece of the source fits at all (the caller then shows the message as plain text).
 */
export function findCut(input: CutInput): Cut {
  const { source, minCut, render, fits, room } = input;
  const candidates = input.boundaries.filter(
    (b) => b > minCut && b < source.length && !endsWithHeading(source, b),
  );
  // Renderings grow with the source: the last fitting boundary is found by bisection.
  let best: Cut | undefined;
  let low = 0;
  let high = candidates.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const end = candidates[middle] as number;
    const text = render(end);
    if (fits(text)) {
      best = { end, text };
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (best && best.text.text.length >= room / 2) return best;
  const inside = cutInsideBlock(input, best?.end ?? minCut);
  if (inside && (!best || inside.end > best.end)) return inside;
  if (best) return best;
  throw new Error("streamgram: no part of the message fits its room");
}

/** Cut inside the block that starts at `from`, shorter each time until it fits. */
function cutInsideBlock(input: CutInput, from: number): Cut | undefined {
  const { source, render, fits, room } = input;
  const reach = source.length - from - (input.complete === false ? 1 : 0);
  let length = Math.min(reach, room);
  for (let attempt = 0; attempt < ATTEMPTS && length >= 1; attempt++) {
    const end = from + splitAtBoundary(source.slice(from, from + length + 1), length);
    const text = render(end);
    if (fits(text)) return end > from ? { end, text } : undefined;
    // Shrink by how much it overflowed, and at least by one unit.
    const ratio = Math.min(0.9, (0.95 * room) / Math.max(1, text.text.length));
    length = Math.min(length - 1, Math.floor((end - from) * ratio));
  }
  return undefined;
}

const HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;

/** Whether the last non-blank line before `end` is a heading (ATX or setext). */
function endsWithHeading(source: string, end: number): boolean {
  const lines = source.slice(Math.max(0, end - 400), end).split("\n");
  while (lines.length > 0 && (lines[lines.length - 1] ?? "").trim() === "") lines.pop();
  const last = lines[lines.length - 1] ?? "";
  if (HEADING.test(last)) return true;
  const above = lines[lines.length - 2] ?? "";
  return SETEXT_UNDERLINE.test(last) && above.trim() !== "";
}

const TABLE_DELIMITER_ROW = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/**
 * The source that the next message starts with, so a construct cut in the
 * middle goes on looking the same: a code fence open at `end` is reopened
 * (with its language), a table cut between rows gets its header and
 * delimiter row again. "" when neither, or when the header is longer than
 * `maxLength` (the rows then show as text).
 */
export function continuationOf(source: string, end: number, maxLength: number): string {
  const before = source.slice(0, end);
  const fence = openFenceAtEnd(before);
  if (fence) return reopenFence(fence);
  if (end === 0 || source[end - 1] !== "\n") return "";
  // The table's lines: the block of lines with a pipe, going up from the cut.
  const lines = before.slice(0, -1).split("\n");
  let top = lines.length - 1;
  while (top >= 0 && (lines[top] ?? "").includes("|") && (lines[top] ?? "").trim() !== "") {
    top--;
    if (lines.length - 1 - top > 10_000) return "";
  }
  const header = lines[top + 1];
  const delimiter = lines[top + 2];
  if (header === undefined || delimiter === undefined || top + 2 >= lines.length - 1) return "";
  if (!TABLE_DELIMITER_ROW.test(delimiter)) return "";
  const prefix = `${header}\n${delimiter}\n`;
  return prefix.length <= maxLength ? prefix : "";
}
