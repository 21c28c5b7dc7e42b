/**
 * Setext headings (a line of text underlined with `===` or `---`): the
 * parser's time for each grows with the document before it, so thousands of
 * them (`a\n=\na\n=\n…`) take it seconds. Past {@link MAX_SETEXT_HEADINGS}
 * underlines with no blank line between them, {@link capSetextHeadings}
 * escapes the underline, and the line shows as text.
 *
 * The count restarts at every blank line and every list item in column 0
 * (where block runs may start), so text after a run start is treated the
 * same alone as inside the whole document (block runs stay stable), and
 * answers whose headings are set apart by blank lines, as
 * models write them, are never touched.
 */

/** Underlines allowed with no blank line between them. */
export const MAX_SETEXT_HEADINGS = 32;

const UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
const BLANK = /^[ \t]*$/;
const LIST_ITEM = /^(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;

/** Escape every setext underline past the cap; returns `source` itself when none is. */
export function capSetextHeadings(source: string): string {
  const pieces: string[] = [];
  let copied = 0;
  let underlines = 0;
  let lineStart = 0;
  while (lineStart < source.length) {
    const newline = source.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? source.length : newline;
    // An underline is short; a long line is neither blank nor one, mostly.
    const line = source.slice(lineStart, Math.min(lineEnd, lineStart + 256));
    if ((BLANK.test(line) && lineEnd - lineStart <= 256) || LIST_ITEM.test(line)) underlines = 0;
    else if (
      lineEnd - lineStart <= 256 &&
      UNDERLINE.test(line) &&
      ++underlines > MAX_SETEXT_HEADINGS
    ) {
      const at = lineStart + line.search(/[=-]/);
      pieces.push(source.slice(copied, at), "\\");
      copied = at;
    }
    lineStart = lineEnd + 1;
  }
  if (pieces.length === 0) return source;
  pieces.push(source.slice(copied));
  return pieces.join("");
}
