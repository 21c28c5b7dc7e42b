/**
 * Tables as monospace text. Telegram has no table entity, so a GFM table is
 * shown as a `pre` block whose columns are padded to line up:
 *
 *     Name  | Age
 *     ------|----
 *     Alice |  30
 *
 * Widths are counted in code points, so an emoji or a CJK character counts
 * as one column (East Asian wide characters will still look wider in most
 * fonts: aligning those exactly needs font metrics Telegram does not give us).
 */
import { codePointLength } from "../unicode.js";

/** Aligned tables may be this many times as long as their unaligned rows (plus {@link PADDING_SLACK}). */
export const MAX_PADDING_FACTOR = 2;
/** Small tables are always aligned. */
const PADDING_SLACK = 512;

/** Alignment of one column, as GFM's delimiter row says (`:--`, `--:`, `:-:`). */
export type ColumnAlign = "left" | "right" | "center" | null | undefined;

/**
 * Lay out `rows` (the header row first, then the body rows; cells as plain
 * single-line text) into aligned lines joined by "\n". Rows with fewer cells
 * are padded with empty cells; lines carry no trailing spaces.
 *
 * When padding would make the layout more than {@link MAX_PADDING_FACTOR}
 * times as long as the cells written out (one very wide cell in a long
 * table, a header of hundreds of columns), the rows are shown unaligned
 * instead: cells joined by ` | `, without padding or trailing empty cells.
 */
export function layoutTable(
  rows: readonly (readonly string[])[],
  align: readonly ColumnAlign[],
): string {
  // Rows may have any number of cells: the work is one pass over the cells.
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 1, codePointLength(cell));
    });
  }
  const unaligned = rows.map((row) => trimEmptyCells(row).join(" | "));
  const unalignedLength = unaligned.reduce((sum, line) => sum + line.length + 1, 0);
  const alignedLength = (rows.length + 1) * (widths.reduce((sum, width) => sum + width + 3, 0) + 1);
  if (alignedLength > MAX_PADDING_FACTOR * unalignedLength + PADDING_SLACK) {
    return unaligned.join("\n");
  }
  const line = (row: readonly string[]) =>
    widths
      .map((width, column) => pad(row[column] ?? "", width, align[column]))
      .join(" | ")
      .trimEnd();
  const lines = rows.map(line);
  if (lines.length > 0) {
    lines.splice(1, 0, widths.map((width) => "-".repeat(width)).join("-|-"));
  }
  return lines.join("\n");
}

/** The row without its trailing empty cells. */
function trimEmptyCells(row: readonly string[]): readonly string[] {
  let end = row.length;
  while (end > 0 && row[end - 1] === "") end--;
  return row.slice(0, end);
}

function pad(cell: string, width: number, align: ColumnAlign): string {
  const room = width - codePointLength(cell);
  if (align === "right") return " ".repeat(room) + cell;
  if (align === "center") {
    const left = Math.floor(room / 2);
    return " ".repeat(left) + cell + " ".repeat(room - left);
  }
  return cell + " ".repeat(room);
}
