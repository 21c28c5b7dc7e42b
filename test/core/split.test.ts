import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entityLimitOffset, lastGraphemeBoundary, splitAtBoundary } from "../../shared/split.js";

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

  it("never cuts a flag in half, however long the run of flags before the limit", () => {
    fc.assert(
      fc.property(
        fc
          .string({ maxLength: 5 })
          .filter((p) => p.isWellFormed() && !/[\u{1f1e6}-\u{1f1ff}]/u.test(p)),
        fc.array(fc.constantFrom("🇺🇦", "🇯🇵", "🇩🇪", "🇧🇷"), { minLength: 20, maxLength: 400 }),
        fc.integer({ min: 8, max: 1500 }),
        (prefix, flags, max) => {
          const t = `${prefix}${flags.join("")} tail`;
          const cut = lastGraphemeBoundary(t, Math.min(max, t.length - 1));
          if (cut > prefix.length && cut < prefix.length + flags.length * 4) {
            expect((cut - prefix.length) % 4).toBe(0);
          }
        },
      ),
      { numRuns: 300 },
    );
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

describe("entityLimitOffset", () => {
  it("is the offset of the first entity past the limit, in offset order, whatever the order given", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 120 }),
        (offsets, limit) => {
          const at = entityLimitOffset(
            offsets.map((offset) => ({ offset })),
            limit,
          );
          if (at === undefined) {
            // Everything fits, or the entities past the limit start at 0, where no cut can help.
            const sorted = [...offsets].sort((a, b) => a - b);
            expect(offsets.length <= limit || sorted[limit] === 0).toBe(true);
            return;
          }
          expect(at).toBeGreaterThan(0);
          // Cutting there leaves at most `limit` entities before the cut.
          expect(offsets.filter((o) => o < at).length).toBeLessThanOrEqual(limit);
          // And no later cut would: the entity at `at` is the (limit + 1)-th.
          expect(offsets.filter((o) => o <= at).length).toBeGreaterThan(limit);
        },
      ),
    );
  });

  it("defaults to Telegram's 100", () => {
    const entities = Array.from({ length: 101 }, (_, i) => ({ offset: i * 3 }));
    expect(entityLimitOffset(entities)).toBe(300);
    expect(entityLimitOffset(entities.slice(0, 100))).toBeUndefined();
  });
});
