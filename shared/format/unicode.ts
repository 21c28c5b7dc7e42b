/**
 * UTF-16 helpers. Telegram counts entity offsets and lengths in UTF-16 code
 * units (JavaScript string indices), so the formatters work in those units and
 * only need care where a surrogate pair could be cut in half.
 */

/** True for a UTF-16 unit that starts a surrogate pair (U+D800..U+DBFF). */
export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** True for a UTF-16 unit that ends a surrogate pair (U+DC00..U+DFFF). */
export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Whether `index` falls between the two halves of a surrogate pair of `text`,
 * so that cutting there would leave a lone surrogate on both sides.
 */
export function splitsSurrogatePair(text: string, index: number): boolean {
  return (
    index > 0 &&
    index < text.length &&
    isHighSurrogate(text.charCodeAt(index - 1)) &&
    isLowSurrogate(text.charCodeAt(index))
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whether `text` holds a surrogate that is not part of a pair. */
export function hasLoneSurrogate(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(text);
}

/**
 * Replace every lone surrogate with U+FFFD. Each replacement is one unit for
 * one unit, so offsets computed before stay valid. Telegram would reject or
 * mangle a message that is not well-formed UTF-16.
 */
export function replaceLoneSurrogates(text: string): string {
  return hasLoneSurrogate(text) ? text.replace(LONE_SURROGATE, "\uFFFD") : text;
}

/**
 * The source text a formatter may show so far. While the stream is still
 * running (`final` false) a trailing high surrogate is held back, because its
 * other half is probably in the next delta; every other lone surrogate becomes
 * U+FFFD.
 */
export function wellFormedSource(source: string, final: boolean): string {
  const last = source.charCodeAt(source.length - 1);
  const usable = !final && isHighSurrogate(last) ? source.slice(0, -1) : source;
  return replaceLoneSurrogates(usable);
}

/** Number of Unicode code points in `text` (a surrogate pair counts once). */
export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    if (!(isLowSurrogate(text.charCodeAt(i)) && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) {
      length++;
    }
  }
  return length;
}
