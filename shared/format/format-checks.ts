/** Argument checks shared by the public functions, so bad input fails loudly and alike. */
import { describeValue as describe } from "../describe.js";
import type { FormattedText } from "../types.js";

/** Throw a TypeError naming `name` unless `value` looks like a {@link FormattedText}. */
export function assertFormattedText(value: unknown, name: string): asserts value is FormattedText {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `${name} must be a FormattedText object ({ text, entities }), got ${describe(value)}`,
    );
  }
  const { text, entities } = value as Partial<FormattedText>;
  if (typeof text !== "string") {
    throw new TypeError(`${name}.text must be a string, got ${describe(text)}`);
  }
  if (!Array.isArray(entities)) {
    throw new TypeError(`${name}.entities must be an array, got ${describe(entities)}`);
  }
}
