import { isHighSurrogate } from "./format/unicode.js";

/**
 * Where to cut a text that does not fit in one Telegram message.
 *
 * Lengths are UTF-16 code units (JavaScript string indices): Telegram counts
 * code points, but bots that counted code points still overflowed, and UTF-16
 * is never shorter, so it is always safe.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Telegram's limit for `sendMessage`/`editMessageText` text, after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * How many entities Telegram honours in one message: it accepts more, but
 * shows every entity after the 100th as plain text.
 */
export const TELEGRAM_ENTITY_LIMIT = 100;

/**
 * Where a message must end so that it carries at most `limit` entities: the
 * offset of the first entity past the limit (entities counted in offset
 * order), or undefined when they all fit. An offset of 0 is no cut at all,
 * so it is reported as undefined too.
 */
export function entityLimitOffset(
  entities: readonly { offset: number }[],
  limit = TELEGRAM_ENTITY_LIMIT,
): number | undefined {
  if (entities.length <= limit) return undefined;
  const offsets = entities.map((e) => e.offset).sort((a, b) => a - b);
  const offset = offsets[limit] ?? 0;
  return offset > 0 ? offset : undefined;
}

/**
 * The last grapheme-cluster boundary at or before `index`, so a cut never
 * splits a surrogate pair, a ZWJ emoji sequence, a flag or a letter from its
 * combining marks. Returns 0 only when the first cluster is longer than `index`;
 * then {@link lastCodePointBoundary} is the fallback.
 */
export function lastGraphemeBoundary(text: string, index: number): number {
  if (index >= text.length) return text.length;
  // Segment only a window around the index: clusters are short, and texts may be long.
  const from = windowStart(text, Math.max(0, index - 64));
  let boundary = 0;
  for (const { index: start } of graphemes.segment(text.slice(from, index + 64))) {
    const absolute = from + start;
    if (absolute > index) break;
    boundary = absolute;
  }
  // A window that started inside a cluster reports that start as a boundary; step past it.
  if (from > 0 && boundary === from) return lastCodePointBoundary(text, index);
  return boundary;
}

/** A regional indicator (half of a flag), as its two UTF-16 units start. */
function isRegionalIndicatorAt(text: string, index: number): boolean {
  const codePoint = text.codePointAt(index) ?? 0;
  return codePoint >= 0x1f1e6 && codePoint <= 0x1f1ff;
}

/**
 * Where to start segmenting so the window does not begin between the two
 * halves of a surrogate pair or of a flag: flags pair regional indicators from
 * the start of their run, so a window must start where the run starts.
 */
function windowStart(text: string, from: number): number {
  let start = lastCodePointBoundary(text, from);
  while (start >= 2 && isRegionalIndicatorAt(text, start - 2)) start -= 2;
  return start;
}

/** The last code point boundary at or before `index` (never between a surrogate pair). */
export function lastCodePointBoundary(text: string, index: number): number {
  if (index >= text.length) return text.length;
  if (index > 0 && isHighSurrogate(text.charCodeAt(index - 1))) return index - 1;
  return index;
}

const SENTENCE_END = /[.!?…。！？](?=[\s"'»”)\]]*\s)/g;

/** Last index `i` in `[from, to]` such that `pattern` matches ending at `i`; -1 if none. */
function lastMatchEnd(text: string, pattern: RegExp, from: number, to: number): number {
  let found = -1;
  const re = new RegExp(
    pattern.source,
    pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`,
  );
  re.lastIndex = 0;
  const window = text.slice(0, to);
  for (let m = re.exec(window); m !== null; m = re.exec(window)) {
    const end = m.index + m[0].length;
    if (end >= from && end <= to) found = end;
    if (m[0].length === 0) re.lastIndex++;
  }
  return found;
}

/**
 * Choose where to cut `text` so that the first part has at most `maxLength`
 * UTF-16 units, at the best boundary available: a paragraph break, then a line
 * break, then the end of a sentence, then a space, each searched in the last
 * half of the allowed length so messages are not cut needlessly short; failing
 * all of them, the last grapheme-cluster boundary (a 5,000-character word is
 * cut, but never through an emoji).
 *
 * Returns an index in `(0, maxLength]`. The caller trims whitespace at the cut.
 * If `text` already fits, returns `text.length`.
 *
 * @throws RangeError if `maxLength` < 1.
 */
export function splitAtBoundary(text: string, maxLength: number): number {
  if (!(maxLength >= 1)) throw new RangeError(`maxLength must be at least 1, got ${maxLength}`);
  if (text.length <= maxLength) return text.length;
  const from = Math.floor(maxLength / 2);
  const candidates: RegExp[] = [/\n[ \t]*\n/g, /\n/g, SENTENCE_END, /\s/g];
  for (const pattern of candidates) {
    const end = lastMatchEnd(text, pattern, from, maxLength);
    if (end > 0) return end;
  }
  const grapheme = lastGraphemeBoundary(text, maxLength);
  if (grapheme > 0) return grapheme;
  const codePoint = lastCodePointBoundary(text, maxLength);
  return codePoint > 0 ? codePoint : Math.min(2, text.length);
}
