import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lastGraphemeBoundary, splitAtBoundary } from "../../shared/split.js";

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const boundaries = (text: string) =>
  new Set([...graphemes.segment(text)].map((s) => s.index).concat(text.length));

const piece = fc.oneof(
  fc.constantFrom(
    "word ",
    "sentence. ",
    "line\n",
    "\n\n",
    "😀",
    "👨‍👩‍👧",
    "🇺🇦",
    "中文字符",
    "é",
    "e\u0301",
    "Привет ",
    "x".repeat(300),
  ),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const text = fc.array(piece, { maxLength: 200 }).map((p) => p.join(""));

describe("splitAtBoundary", () => {
  it("prefers a paragraph break, then a line, a sentence, a space", () => {
    const para = `${"a".repeat(60)}\n\n${"b".repeat(60)}`;
    expect(para.slice(0, splitAtBoundary(para, 100))).toBe(`${"a".repeat(60)}\n\n`);
    const line = `${"a".repeat(60)}\n${"b".repeat(60)}`;
    expect(line.slice(0, splitAtBoundary(line, 100))).toBe(`${"a".repeat(60)}\n`);
    const sentence = `${"a ".repeat(30)}end. ${"b".repeat(60)}`;
    expect(sentence.slice(0, splitAtBoundary(sentence, 100))).toBe(`${"a ".repeat(30)}end.`);
    const words = `${"word ".repeat(30)}`;
    expect(splitAtBoundary(words, 100)).toBe(100);
  });

  it("cuts a 5,000-character word at the limit, and never through an emoji", () => {
    expect(splitAtBoundary("x".repeat(5000), 4096)).toBe(4096);
    const emoji = "😀".repeat(3000);
    expect(splitAtBoundary(emoji, 4095)).toBe(4094);
    const family = "👨‍👩‍👧".repeat(800);
    const cut = splitAtBoundary(family, 4096);
    expect(cut % "👨‍👩‍👧".length).toBe(0);
  });

  it("returns a grapheme boundary within the limit for any text", () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 8, max: 500 }), (t, max) => {
        const cut = splitAtBoundary(t, max);
        if (t.length <= max) return cut === t.length;
        expect(cut).toBeGreaterThan(0);
        expect(cut).toBeLessThanOrEqual(max);
        const code = t.charCodeAt(cut - 1);
        expect(code >= 0xd800 && code <= 0xdbff).toBe(false);
        // Only a cluster longer than the whole limit may be cut inside.
        if (!boundaries(t).has(cut)) expect(lastGraphemeBoundary(t, max)).toBe(0);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
