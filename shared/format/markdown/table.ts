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

/** Alignment of one column, as GFM's delimiter row says (`:--`, `--:`, `:-:`). */
export type ColumnAlign = "left" | "right" | "center" | null | undefined;

/**
 * Lay out `rows` (the header row first, then the body rows; cells as plain
 * single-line text) into aligned lines joined by "\n". Rows with fewer cells
 * are padded with empty cells; lines carry no trailing spaces.
 */
export function layoutTable(
  rows: readonly (readonly string[])[],
  align: readonly ColumnAlign[],
): string {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths: number[] = [];
  for (let column = 0; column < columns; column++) {
    widths.push(Math.max(1, ...rows.map((row) => codePointLength(row[column] ?? ""))));
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

function pad(cell: string, width: number, align: ColumnAlign): string {
  const room = width - codePointLength(cell);
  if (align === "right") return " ".repeat(room) + cell;
  if (align === "center") {
    const left = Math.floor(room / 2);
    return " ".repeat(left) + cell + " ".repeat(room - left);
  }
  return cell + " ".repeat(room);
}
