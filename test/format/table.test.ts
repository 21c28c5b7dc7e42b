import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { layoutTable } from "../../shared/format/markdown/table.js";

describe("layoutTable", () => {
  it("pads columns to the widest cell and aligns them as asked", () => {
    expect(
      layoutTable(
        [
          ["Item", "Qty", "Note"],
          ["apple", "3", "fresh"],
          ["kiwi", "12", "ok"],
        ],
        ["left", "right", "center"],
      ),
    ).toBe(
      [
        "Item  | Qty | Note",
        "------|-----|------",
        "apple |   3 | fresh",
        "kiwi  |  12 |  ok",
      ].join("\n"),
    );
  });

  it("counts width in code points, not UTF-16 units, and fills missing cells", () => {
    // 👍 is one code point (two UTF-16 units): the column is as wide as "xy".
    expect(layoutTable([["👍", "b"], ["xy", "c"], ["z"]], [])).toBe(
      ["👍  | b", "---|--", "xy | c", "z  |"].join("\n"),
    );
  });

  it("lays out a header without body rows", () => {
    expect(layoutTable([["a", "bb"]], [null, null])).toBe(["a | bb", "--|---"].join("\n"));
  });

  it("lines up the column separators of every line, whatever the cells hold", () => {
    const cell = fc
      .string({ unit: "grapheme", maxLength: 8 })
      .map((text) => text.replace(/[|\s]/g, ""));
    const align = fc.constantFrom("left", "right", "center", null);
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(align, { maxLength: 4 }),
        (rows, aligns) => {
          const lines = layoutTable(rows, aligns).split("\n");
          expect(lines).toHaveLength(rows.length + 1);
          // Column positions in code points, as the layout promises.
          const bars = (line: string) =>
            Array.from(line).flatMap((char, index) => (char === "|" ? [index] : []));
          const separatorBars = bars(lines[1] ?? "");
          for (const line of lines) {
            expect(separatorBars.slice(0, bars(line).length)).toEqual(bars(line));
          }
          rows.forEach((row, index) => {
            const line = lines[index === 0 ? 0 : index + 1] ?? "";
            for (const text of row) expect(line).toContain(text);
          });
        },
      ),
    );
  });
});
