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
});
