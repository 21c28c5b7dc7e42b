/**
 * Splitting a Markdown source into runs of top-level blocks that render the
 * same alone as inside the whole document, so a long answer need not be
 * parsed again from the start on every flush: finished runs are rendered
 * once and remembered, only the last one is rendered anew.
 *
 * A new run starts at a line that follows a blank line, starts in column 0
 * and is not a list item, outside any fenced code block: such a line always
 * starts a new top-level block, and what came before cannot change how it
 * renders. The exceptions are handled by not splitting at all:
 * - list items stay with their list (numbering, nesting);
 * - a source with a link reference definition (`[id]: url`), which can turn
 *   text anywhere into a link, or with a line starting with `<` (HTML blocks
 *   such as `<!--` may span blank lines) is kept in one piece.
 * Not splitting is always correct; it only costs time.
 */

const LIST_ITEM = /^(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const BLANK = /^[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const NEEDS_WHOLE_DOCUMENT = /^[ \t>*+\-\d.)]*\[[^\]\n]+\]:|^[ \t>]*</m;

/**
 * The offsets in `source` where a new independent run of blocks starts; the
 * first is always 0. Line endings must already be `\n`.
 */
export function blockRunStarts(source: string): number[] {
  const starts = [0];
  if (NEEDS_WHOLE_DOCUMENT.test(source)) return starts;
  let fence: { char: string; length: number } | undefined;
  let previousBlank = false;
  let lineStart = 0;
  while (lineStart < source.length) {
    const newline = source.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? source.length : newline;
    const line = source.slice(lineStart, lineEnd);
    const fenceLine = FENCE.exec(line);
    if (fence !== undefined) {
      // Inside a fence only its closing line matters: same character, at
      // least as long, nothing after it.
      if (
        fenceLine?.[1]?.[0] === fence.char &&
        fenceLine[1].length >= fence.length &&
        BLANK.test(fenceLine[2] ?? "")
      ) {
        fence = undefined;
      }
    } else {
      if (previousBlank && !BLANK.test(line) && !/^[ \t]/.test(line) && !LIST_ITEM.test(line)) {
        starts.push(lineStart);
      }
      const marker = fenceLine?.[1];
      // A backtick fence's info string may not contain backticks.
      if (marker !== undefined && !(marker[0] === "`" && fenceLine?.[2]?.includes("`"))) {
        fence = { char: marker[0] ?? "`", length: marker.length };
      }
    }
    previousBlank = BLANK.test(line);
    lineStart = lineEnd + 1;
  }
  return starts;
}
