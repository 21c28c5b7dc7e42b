import { describe, expect, it } from "vitest";
import { validateEntities, withReasoning } from "../../shared/format/index.js";
import type { FormattedText } from "../../shared/types.js";

const answer: FormattedText = {
  text: "Paris.",
  entities: [{ type: "bold", offset: 0, length: 5 }],
};

describe("withReasoning", () => {
  it("shows reasoning in a plain block quote while only reasoning streams", () => {
    expect(
      withReasoning("  The user asks for a capital.\n", { text: "", entities: [] }, false),
    ).toEqual({
      text: "The user asks for a capital.",
      entities: [{ type: "blockquote", offset: 0, length: 28 }],
    });
  });

  it("folds the reasoning into an expandable quote above the answer once the answer started", () => {
    const joined = withReasoning("Capital of France?", answer, true);
    expect(joined).toEqual({
      text: "Capital of France?\n\nParis.",
      entities: [
        { type: "expandable_blockquote", offset: 0, length: 18 },
        { type: "bold", offset: 20, length: 5 },
      ],
    });
    expect(validateEntities(joined)).toEqual([]);
  });

  it("gives the answer alone when there is no reasoning, without sharing its objects", () => {
    const alone = withReasoning(" \n", answer, true);
    expect(alone).toEqual(answer);
    expect(alone.entities[0]).not.toBe(answer.entities[0]);
  });

  it("counts offsets in UTF-16 units and replaces lone surrogates", () => {
    expect(withReasoning("🤔 hmm \uD83D", answer, true)).toEqual({
      text: "🤔 hmm \uFFFD\n\nParis.",
      entities: [
        { type: "expandable_blockquote", offset: 0, length: 8 },
        { type: "bold", offset: 10, length: 5 },
      ],
    });
  });

  it("rejects bad arguments with a TypeError", () => {
    expect(() => withReasoning(42 as unknown as string, answer, true)).toThrow(
      /reasoning must be a string/,
    );
    expect(() => withReasoning("x", "answer" as unknown as FormattedText, true)).toThrow(TypeError);
  });
});
