import { describeValue as describe } from "../describe.js";
import type { FormattedText, MessageEntity } from "../types.js";
import { assertFormattedText } from "./format-checks.js";
import { splitsSurrogatePair } from "./unicode.js";

/**
 * The part of `ft` between UTF-16 offsets `start` (inclusive) and `end`
 * (exclusive), with its entities clipped to that range and shifted to start
 * at 0. An entity that straddles a border is split: each side keeps its part,
 * with the same type and attributes (a link stays a link on both sides).
 * Parts of zero length are dropped. Valid entities stay valid, and slicing a
 * text at consecutive borders gives slices whose texts join to the whole.
 *
 * A border that falls between the two halves of a surrogate pair moves back
 * to the start of the pair, so no slice ever holds half a character and no
 * slice grows past `end - start` units; both slices that share the border move
 * it alike, so they still join to the whole.
 *
 * Whitespace is not trimmed: choosing good borders is the caller's job.
 *
 * @throws TypeError when `ft` is not a FormattedText or a bound is not a number.
 * @throws RangeError when a bound is not an integer or is out of
 *   `0 <= start <= end <= ft.text.length`.
 */
export function sliceFormatted(ft: FormattedText, start: number, end: number): FormattedText {
  assertFormattedText(ft, "ft");
  checkBound("start", start, ft.text);
  checkBound("end", end, ft.text);
  if (start > end) throw new RangeError(`start (${start}) must not be greater than end (${end})`);
  const from = wholeCharacterBorder(ft.text, start);
  const to = wholeCharacterBorder(ft.text, end);
  const entities: MessageEntity[] = [];
  for (const entity of ft.entities) {
    const clippedStart = Math.max(entity.offset, from);
    const clippedEnd = Math.min(entity.offset + entity.length, to);
    if (clippedEnd > clippedStart) {
      entities.push({ ...entity, offset: clippedStart - from, length: clippedEnd - clippedStart });
    }
  }
  return { text: ft.text.slice(from, to), entities };
}

function checkBound(name: string, value: number, text: string): void {
  if (typeof value !== "number")
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > text.length) {
    throw new RangeError(
      `${name} must be an integer from 0 to ${text.length} (the text's UTF-16 length), got ${value}`,
    );
  }
}

function wholeCharacterBorder(text: string, index: number): number {
  return splitsSurrogatePair(text, index) ? index - 1 : index;
}
