import { describe, expect, it } from "vitest";
import { sliceFormatted } from "../../shared/format/index.js";
import type { FormattedText } from "../../shared/types.js";

// "Read the docs now": bold over "the docs", a link over "docs".
const sample: FormattedText = {
  text: "Read the docs now",
  entities: [
    { type: "bold", offset: 5, length: 8 },
    { type: "text_link", offset: 9, length: 4, url: "https://grammy.dev" },
  ],
};

describe("sliceFormatted", () => {
  it("clips entities to the slice and shifts them to start at 0", () => {
    expect(sliceFormatted(sample, 5, 17)).toEqual({
      text: "the docs now",
      entities: [
        { type: "bold", offset: 0, length: 8 },
        { type: "text_link", offset: 4, length: 4, url: "https://grammy.dev" },
      ],
    });
  });

  it("splits an entity straddling a border across both sides, attributes kept", () => {
    expect(sliceFormatted(sample, 0, 11)).toEqual({
      text: "Read the do",
      entities: [
        { type: "bold", offset: 5, length: 6 },
        { type: "text_link", offset: 9, length: 2, url: "https://grammy.dev" },
      ],
    });
    expect(sliceFormatted(sample, 11, 17)).toEqual({
      text: "cs now",
      entities: [
        { type: "bold", offset: 0, length: 2 },
        { type: "text_link", offset: 0, length: 2, url: "https://grammy.dev" },
      ],
    });
  });

  it("drops entities that end up empty", () => {
    expect(sliceFormatted(sample, 0, 5)).toEqual({ text: "Read ", entities: [] });
    expect(sliceFormatted(sample, 7, 7)).toEqual({ text: "", entities: [] });
  });

  it("does not change its input", () => {
    const before = structuredClone(sample);
    sliceFormatted(sample, 2, 12);
    expect(sample).toEqual(before);
  });

  it("moves a border inside a surrogate pair back to the pair's start", () => {
    const thumbs: FormattedText = {
      text: "ok 👍 go",
      entities: [{ type: "bold", offset: 3, length: 2 }],
    };
    // 3 is where 👍 starts, 4 is between its halves.
    expect(sliceFormatted(thumbs, 0, 4)).toEqual({ text: "ok ", entities: [] });
    expect(sliceFormatted(thumbs, 4, 8)).toEqual({
      text: "👍 go",
      entities: [{ type: "bold", offset: 0, length: 2 }],
    });
  });

  it("rejects bounds out of range or not integers with a RangeError", () => {
    expect(() => sliceFormatted(sample, -1, 3)).toThrow(RangeError);
    expect(() => sliceFormatted(sample, 0, 18)).toThrow(/end must be an integer from 0 to 17/);
    expect(() => sliceFormatted(sample, 1.5, 3)).toThrow(RangeError);
    expect(() => sliceFormatted(sample, 5, 3)).toThrow(
      /start \(5\) must not be greater than end \(3\)/,
    );
  });

  it("rejects input that is not a FormattedText or bounds that are not numbers with a TypeError", () => {
    expect(() => sliceFormatted("text" as unknown as FormattedText, 0, 1)).toThrow(TypeError);
    expect(() => sliceFormatted({ text: "a" } as unknown as FormattedText, 0, 1)).toThrow(
      /ft.entities must be an array/,
    );
    expect(() => sliceFormatted(sample, "0" as unknown as number, 1)).toThrow(
      /start must be a number/,
    );
  });
});
