import type { Formatter } from "./formatter.js";
import { wellFormedSource } from "./unicode.js";

/**
 * Shows the source text as is, without entities. The only changes: lone
 * surrogates become U+FFFD, and while the stream runs a trailing high
 * surrogate waits for its other half. Whitespace is kept.
 */
export const plainFormatter: Formatter = Object.freeze({
  name: "plain" as const,
  render(source: string, final: boolean) {
    return { text: wellFormedSource(String(source), final), entities: [] };
  },
});
