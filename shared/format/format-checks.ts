/** Argument checks shared by the public functions, so bad input fails loudly and alike. */
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

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
