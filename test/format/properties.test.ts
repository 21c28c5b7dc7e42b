import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  htmlFormatter,
  markdownFormatter,
  plainFormatter,
  sliceFormatted,
  validateEntities,
} from "../../shared/format/index.js";
import { renderMarkdownDocument } from "../../shared/format/markdown/formatter.js";
import { replaceLoneSurrogates } from "../../shared/format/unicode.js";
import type { FormattedText } from "../../shared/types.js";
import { anyString, htmlish, listish, markdownish } from "./arbitraries.js";

const formatters = [plainFormatter, markdownFormatter, htmlFormatter];

/** Every prefix of `source`, the way a stream delivers it, ending with the whole. */
function prefixes(source: string): string[] {
  return Array.from({ length: source.length + 1 }, (_, length) => source.slice(0, length));
}

/** For each UTF-16 unit, the sorted entity types covering it (with their url/language). */
function coverage(ft: FormattedText): string[] {
  const covered = Array.from({ length: ft.text.length }, () => [] as string[]);
  for (const entity of ft.entities) {
    const label = `${entity.type}${entity.url ?? ""}${entity.language ?? ""}`;
    for (let i = entity.offset; i < entity.offset + entity.length; i++) covered[i]?.push(label);
  }
  return covered.map((labels) => labels.sort().join(","));
}

describe("every formatter on any input", () => {
  it.each(formatters)(
    "$name: every prefix renders valid entities, streamed and final",
    (formatter) => {
      fc.assert(
        fc.property(anyString, (source) => {
          for (const prefix of prefixes(source)) {
            for (const final of [false, true]) {
              const rendered = formatter.render(prefix, final);
              expect(validateEntities(rendered), JSON.stringify({ prefix, final })).toEqual([]);
            }
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it.each([markdownFormatter, htmlFormatter])(
    "$name: visible text never ends with whitespace",
    (formatter) => {
      fc.assert(
        fc.property(anyString, fc.boolean(), (source, final) => {
          const { text } = formatter.render(source, final);
          expect(text).toBe(text.trimEnd());
        }),
        { numRuns: 300 },
      );
    },
  );
});

describe("markdownFormatter", () => {
  it("renders Markdown-ish text the same with its block-run cache as in one parse", () => {
    const documents = fc.oneof(
      fc.array(markdownish, { maxLength: 6 }).map((blocks) => blocks.join("\n\n")),
      listish,
    );
    fc.assert(
      fc.property(documents, (document) => {
        // The formatter's own input clean-up, done here so both sides parse the same text.
        const source = replaceLoneSurrogates(document).replace(/\r\n?/g, "\n");
        expect(markdownFormatter.render(source, true)).toEqual(renderMarkdownDocument(source));
      }),
      { numRuns: 500 },
    );
  });

  it("every prefix of Markdown-ish text renders valid entities", () => {
    fc.assert(
      fc.property(markdownish, (source) => {
        for (const prefix of prefixes(source)) {
          const rendered = markdownFormatter.render(prefix, false);
          expect(validateEntities(rendered), JSON.stringify(prefix)).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("htmlFormatter", () => {
  it("every prefix of HTML-ish text renders valid entities", () => {
    fc.assert(
      fc.property(htmlish, (source) => {
        for (const prefix of prefixes(source)) {
          expect(validateEntities(htmlFormatter.render(prefix, false))).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("sliceFormatted", () => {
  const rendered = fc
    .tuple(fc.constantFrom(markdownFormatter, htmlFormatter), fc.oneof(markdownish, htmlish))
    .map(([formatter, source]) => formatter.render(source, true));

  it("cuts into valid slices that join to the whole, formatting kept on both sides", () => {
    fc.assert(
      fc.property(rendered, fc.array(fc.nat(), { maxLength: 6 }), (whole, rawBorders) => {
        const length = whole.text.length;
        const borders = [0, ...rawBorders.map((border) => border % (length + 1)), length].sort(
          (a, b) => a - b,
        );
        const slices = borders
          .slice(1)
          .map((end, index) => sliceFormatted(whole, borders[index] ?? 0, end));
        for (const slice of slices) expect(validateEntities(slice)).toEqual([]);
        expect(slices.map((slice) => slice.text).join("")).toBe(whole.text);
        expect(slices.flatMap(coverage)).toEqual(coverage(whole));
      }),
      { numRuns: 300 },
    );
  });
});
