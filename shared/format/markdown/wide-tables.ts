/**
 * Tables of thousands of columns: the parser's time per row grows with the
 * header's width, so a 32k header of `|a|a|a…` followed by short rows takes
 * it hundreds of milliseconds. Real tables have a few columns; past
 * {@link MAX_TABLE_COLUMNS}, {@link capTableColumns} breaks the delimiter
 * row (`|---|---|…`), and the lines show as the text they are.
 *
 * Each line is judged on its own, so text after a blank line is treated the
 * same alone as inside the whole document (block runs stay stable).
 */

/** Delimiter rows with more cells than this do not make a table. */
export const MAX_TABLE_COLUMNS = 64;

/** A line that can only be a delimiter row (or a rule): pipes, dashes, colons, spaces, quote markers. */
const DELIMITER_ROW = /^[ \t>]*[|:-][ \t|:-]*$/;

/**
 * Escape the first `-` of every delimiter row with more than
 * {@link MAX_TABLE_COLUMNS} cells; returns `source` itself when there is none.
 */
export function capTableColumns(source: string): string {
  const pieces: string[] = [];
  let copied = 0;
  let lineStart = 0;
  while (lineStart < source.length) {
    const newline = source.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? source.length : newline;
    if (lineEnd - lineStart > 2 * MAX_TABLE_COLUMNS) {
      const line = source.slice(lineStart, lineEnd);
      if (DELIMITER_ROW.test(line) && cells(line) > MAX_TABLE_COLUMNS) {
        const dash = lineStart + line.indexOf("-");
        if (dash >= lineStart) {
          pieces.push(source.slice(copied, dash), "\\");
          copied = dash;
        }
      }
    }
    lineStart = lineEnd + 1;
  }
  if (pieces.length === 0) return source;
  pieces.push(source.slice(copied));
  return pieces.join("");
}

/** Cells of a delimiter row: its pipes, give or take the outer ones. */
function cells(line: string): number {
  let pipes = 0;
  for (const char of line) if (char === "|") pipes++;
  return pipes;
}
