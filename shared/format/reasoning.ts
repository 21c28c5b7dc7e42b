import { describeValue as describe } from "../describe.js";
import type { FormattedText } from "../types.js";
import { assertFormattedText } from "./format-checks.js";
import { replaceLoneSurrogates } from "./unicode.js";

/**
 * The model's reasoning shown above its answer, as one {@link FormattedText}:
 * the reasoning (plain text, trimmed) in a block quote, a blank line, then the
 * answer with its entities shifted below.
 *
 * `collapsed` says whether the answer has started: then the quote is an
 * `expandable_blockquote`, folded to a few lines so the answer is what the
 * user reads; while only reasoning streams it is a plain `blockquote`, fully
 * visible. Empty reasoning gives the answer alone; an empty answer gives the
 * quote alone. The answer's entities keep their attributes; the answer is not
 * re-checked, so pass valid entities (nested quotes inside the answer are
 * fine, they do not touch the reasoning quote).
 *
 * @throws TypeError when `reasoning` is not a string or `answer` not a FormattedText.
 */
export function withReasoning(
  reasoning: string,
  answer: FormattedText,
  collapsed: boolean,
): FormattedText {
  if (typeof reasoning !== "string") {
    throw new TypeError(`reasoning must be a string, got ${describe(reasoning)}`);
  }
  assertFormattedText(answer, "answer");
  const thoughts = replaceLoneSurrogates(reasoning.trim());
  if (thoughts === "")
    return { text: answer.text, entities: answer.entities.map((e) => ({ ...e })) };
  const quote = {
    type: collapsed ? ("expandable_blockquote" as const) : ("blockquote" as const),
    offset: 0,
    length: thoughts.length,
  };
  if (answer.text === "") return { text: thoughts, entities: [quote] };
  const shift = thoughts.length + 2;
  return {
    text: `${thoughts}\n\n${answer.text}`,
    entities: [quote, ...answer.entities.map((e) => ({ ...e, offset: e.offset + shift }))],
  };
}
