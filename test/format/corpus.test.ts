import { describe, expect, it } from "vitest";
import { markdownFormatter, validateEntities } from "../../shared/format/index.js";
import { renderMarkdownDocument } from "../../shared/format/markdown/formatter.js";
import { answers } from "./corpus/answers.js";
import { canonical, marked } from "./notation.js";

describe("markdownFormatter on real-looking answers", () => {
  it.each(answers)("$name", ({ markdown, expected }) => {
    const rendered = markdownFormatter.render(markdown, true);
    expect(canonical(rendered)).toEqual(canonical(marked(expected)));
    expect(validateEntities(rendered)).toEqual([]);
  });

  it("counts offsets in UTF-16 units around ZWJ sequences and skin tones", () => {
    const { text, entities } = markdownFormatter.render(
      "Family plan 👨‍👩‍👧‍👦 covers **up to 6 people 👍🏽**, ok",
      true,
    );
    // "Family plan " is 12 units, the family emoji 4 × 2 + 3 joiners = 11, " covers " 8.
    expect(entities).toEqual([{ type: "bold", offset: 31, length: 19 }]);
    expect(text.slice(31, 50)).toBe("up to 6 people 👍🏽");
  });

  it("renders all answers joined as one long document like each on its own", () => {
    // One document made of every answer: its finished block runs come from the
    // run cache, and must match a single uncached parse of the whole.
    const document = answers.map((answer) => answer.markdown).join("\n\n");
    expect(markdownFormatter.render(document, true)).toEqual(renderMarkdownDocument(document));
  });
});
