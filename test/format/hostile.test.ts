/**
 * The Markdown formatter on the worst text models produce (see
 * test/support/hostile-markdown.ts): it never throws, its entities are
 * valid, its text is well-formed and at most OUTPUT_FACTOR times the source
 * plus OUTPUT_SLACK. How long a render takes is measured by the bench
 * (`npm run bench`, "longest render of a hostile 32k text"), not here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { markdownFormatter, validateEntities } from "../../shared/format/index.js";
import { finishedRunCacheSize } from "../../shared/format/markdown/formatter.js";
import { hasLoneSurrogate } from "../../shared/format/unicode.js";
import {
  atxHeadings,
  codeFence,
  deepNesting,
  delimiterFlood,
  emojiAndSurrogates,
  hostileMarkdown,
  hostileWorstCases,
  lazyContinuation,
  mixedScripts,
  prose,
  referenceLinks,
  setextHeading,
  wideningTable,
} from "../support/hostile-markdown.js";

/** Rendered text is at most this many times its source... */
const OUTPUT_FACTOR = 6;
/** ...plus this many units. */
const OUTPUT_SLACK = 64;

/** Check one render of `source`; returns the rendered text. */
function renderChecked(source: string, final: boolean): string {
  const rendered = markdownFormatter.render(source, final);
  expect(validateEntities(rendered)).toEqual([]);
  expect(hasLoneSurrogate(rendered.text)).toBe(false);
  expect(rendered.text.length).toBeLessThanOrEqual(OUTPUT_FACTOR * source.length + OUTPUT_SLACK);
  return rendered.text;
}

const SMALL = { maxLength: 2000 };
const parts = {
  hostileMarkdown: hostileMarkdown(SMALL),
  prose: prose(SMALL),
  wideningTable: wideningTable(SMALL),
  referenceLinks: referenceLinks(SMALL),
  deepNesting: deepNesting(SMALL),
  delimiterFlood: delimiterFlood(SMALL),
  codeFence: codeFence(SMALL),
  setextHeading: setextHeading(SMALL),
  lazyContinuation: lazyContinuation(SMALL),
  atxHeadings: atxHeadings(SMALL),
  mixedScripts: mixedScripts(SMALL),
  emojiAndSurrogates: emojiAndSurrogates(SMALL),
};

describe("markdownFormatter on hostile Markdown", () => {
  it.each(Object.entries(parts))(
    "%s: final and at random prefixes, never throws, valid entities, bounded text",
    (_, arbitrary) => {
      fc.assert(
        fc.property(arbitrary, fc.array(fc.nat(), { maxLength: 4 }), (source, cuts) => {
          renderChecked(source, true);
          renderChecked(source, false);
          for (const cut of cuts) {
            const prefix = source.slice(0, cut % (source.length + 1));
            renderChecked(prefix, false);
            renderChecked(prefix, true);
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it("whole hostile answers of up to 32k characters: never throws, valid, bounded", () => {
    fc.assert(
      fc.property(hostileMarkdown(), fc.nat(), (source, cut) => {
        renderChecked(source, true);
        renderChecked(source.slice(0, cut % (source.length + 1)), false);
      }),
      { numRuns: 15 },
    );
  });
});

/**
 * The words of `source` that must stay visible: not in link reference
 * definitions, reference labels (`[text][label]`) or a fence's info string.
 */
function words(source: string): Set<string> {
  const visible = source
    .replace(/^\[[^\]\n]+\]:.*$/gm, "")
    .replace(/\]\[[^\]\n]*\]/g, "]")
    .replace(/^( {0,3}(?:`{3,}|~{3,})).*$/gm, "$1");
  return new Set(visible.match(/[\p{L}\p{N}]+/gu) ?? []);
}

describe("markdownFormatter on the 32k worst cases", () => {
  it.each(hostileWorstCases())("$name: renders, bounded, every word still shown", ({ source }) => {
    const text = renderChecked(source, true);
    renderChecked(source, false);
    renderChecked(source.slice(0, Math.floor(source.length / 2)), false);
    const shown = new Set(text.match(/[\p{L}\p{N}]+/gu) ?? []);
    const missing = [...words(source)].filter((word) => !shown.has(word));
    expect(missing).toEqual([]);
  });

  it("renders deep nesting as nested blocks up to a depth, then as text", () => {
    const rendered = markdownFormatter.render(`${"> ".repeat(5000)}deep`, true);
    expect(rendered.text).toContain("deep");
    expect(rendered.text).toContain(">");
    expect(rendered.entities.some((entity) => entity.type.endsWith("blockquote"))).toBe(true);
  });

  it("renders a delimiter flood as the text it is", () => {
    const source = `Start ${"*a ".repeat(10_000)}end`;
    const rendered = markdownFormatter.render(source, true);
    expect(rendered.text).toBe(source);
    expect(rendered.entities).toEqual([]);
  });

  it("still formats a paragraph with a few hundred markers", () => {
    const source = "**bold** and `code` ".repeat(60);
    const rendered = markdownFormatter.render(source, true);
    expect(rendered.entities.filter((entity) => entity.type === "bold")).toHaveLength(60);
    expect(rendered.entities.filter((entity) => entity.type === "code")).toHaveLength(60);
  });

  it("lines deeply nested lists up at a fixed indentation", () => {
    const source = Array.from({ length: 40 }, (_, level) => `${"  ".repeat(level)}- item ${level}`);
    const text = markdownFormatter.render(source.join("\n"), true).text;
    const widest = Math.max(
      ...text.split("\n").map((line) => line.length - line.trimStart().length),
    );
    expect(widest).toBeLessThanOrEqual(8);
    expect(text).toContain("item 39");
  });
});

describe("the finished-run cache", () => {
  it("holds at most 8 million characters however long the runs", () => {
    // 300 distinct one-run texts of 32k characters each: 9.6 million in all.
    for (let i = 0; i < 300; i++) markdownFormatter.render("-".repeat(32_000 + i), true);
    const size = finishedRunCacheSize();
    expect(size.characters).toBeLessThanOrEqual(8_000_000);
    expect(size.characters).toBeGreaterThan(7_000_000);
    expect(size.runs).toBeLessThan(300);
  });
});
