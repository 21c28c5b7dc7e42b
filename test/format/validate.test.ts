import { describe, expect, it } from "vitest";
import { validateEntities } from "../../shared/format/index.js";
import type { FormattedText, MessageEntity } from "../../shared/types.js";

const TEXT = "0123456789abcdefghij";
const check = (...entities: MessageEntity[]) => validateEntities({ text: TEXT, entities });

describe("validateEntities", () => {
  it("accepts nesting Telegram shows as given", () => {
    expect(
      check(
        { type: "blockquote", offset: 0, length: 20 },
        { type: "bold", offset: 0, length: 10 },
        { type: "italic", offset: 2, length: 4 },
        { type: "text_link", offset: 3, length: 2, url: "https://x.dev" },
        { type: "pre", offset: 12, length: 8, language: "ts" },
      ),
    ).toEqual([]);
    // A quote and a pre over the same range: the quote counts as the outer one.
    expect(
      check({ type: "pre", offset: 0, length: 5 }, { type: "blockquote", offset: 0, length: 5 }),
    ).toEqual([]);
    expect(validateEntities({ text: "", entities: [] })).toEqual([]);
  });

  it("reports entities out of range, empty or with bad numbers", () => {
    expect(check({ type: "bold", offset: 18, length: 5 })).toEqual([
      "entity 0 (bold [18, 23)): ends at 23, after the end of the text (20 UTF-16 units)",
    ]);
    expect(check({ type: "bold", offset: 3, length: 0 })).toEqual([
      "entity 0 (bold [3, 3)): length must be an integer > 0, got 0",
    ]);
    expect(check({ type: "italic", offset: -1, length: 2 })).toHaveLength(1);
    expect(check({ type: "italic", offset: 1.5, length: 2 })).toHaveLength(1);
    expect(check({ type: "nonsense" as MessageEntity["type"], offset: 1, length: 2 })).toEqual([
      'entity 0 (nonsense [1, 3)): unknown type "nonsense"',
    ]);
    expect(check({ type: "text_link", offset: 1, length: 2 })).toEqual([
      "entity 0 (text_link [1, 3)): text_link needs a non-empty url",
    ]);
  });

  it("reports partial overlaps", () => {
    expect(
      check({ type: "bold", offset: 0, length: 5 }, { type: "italic", offset: 3, length: 5 }),
    ).toEqual([
      "entity 1 (italic [3, 8)) partly overlaps entity 0 (bold [0, 5)); entities must be nested or disjoint",
    ]);
  });

  it("reports nesting Telegram would change", () => {
    const inside = (outer: MessageEntity["type"], inner: MessageEntity["type"]) =>
      check(
        { type: outer, offset: 0, length: 10, url: "https://x.dev" },
        { type: inner, offset: 2, length: 3, url: "https://y.dev" },
      );
    expect(inside("code", "bold")).toEqual([
      "entity 1 (bold [2, 5)) inside entity 0 (code [0, 10)): code cannot contain other entities",
    ]);
    expect(inside("bold", "code")).toEqual([
      "entity 1 (code [2, 5)) inside entity 0 (bold [0, 10)): code can only be nested in a block quote",
    ]);
    expect(inside("text_link", "pre")).toHaveLength(1);
    expect(inside("blockquote", "expandable_blockquote")).toEqual([
      "entity 1 (expandable_blockquote [2, 5)) inside entity 0 (blockquote [0, 10)): expandable_blockquote cannot be nested in blockquote",
    ]);
    expect(inside("text_link", "text_link")).toHaveLength(1);
    expect(inside("text_link", "blockquote")).toHaveLength(1);
    expect(inside("bold", "bold")).toEqual([
      "entity 1 (bold [2, 5)) inside entity 0 (bold [0, 10)): bold cannot be nested in bold",
    ]);
    // A problem with any ancestor counts, not only with the parent.
    expect(
      check(
        { type: "italic", offset: 0, length: 10 },
        { type: "blockquote", offset: 1, length: 8 },
        { type: "code", offset: 2, length: 2 },
      ),
    ).toEqual([
      "entity 2 (code [2, 4)) inside entity 0 (italic [0, 10)): code can only be nested in a block quote",
    ]);
  });

  it("reports surrogate pairs cut by an entity and lone surrogates in the text", () => {
    const thumbs: FormattedText = {
      text: "a👍b",
      entities: [{ type: "bold", offset: 2, length: 2 }],
    };
    expect(validateEntities(thumbs)).toEqual([
      "entity 0 (bold [2, 4)): starts inside a surrogate pair at 2",
    ]);
    expect(validateEntities({ text: "a\uD83D", entities: [] })).toEqual([
      "text contains a lone surrogate",
    ]);
  });

  it("throws a TypeError for input that is not a FormattedText", () => {
    expect(() => validateEntities(null as unknown as FormattedText)).toThrow(TypeError);
    expect(() => validateEntities({ text: 5, entities: [] } as unknown as FormattedText)).toThrow(
      /ft.text must be a string/,
    );
  });
});
