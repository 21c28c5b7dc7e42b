import type { FormattedText } from "../types.js";

/**
 * A named way of turning the model's source text into what Telegram shows.
 *
 * `render` is called with the whole source text of the current message segment
 * on every flush, so it must be pure and cheap enough to run about once a
 * second on some 12k characters.
 */
export interface Formatter {
  /** Which source syntax this formatter reads. */
  readonly name: "plain" | "markdown" | "html";
  /**
   * Render `source` (the whole text of the current segment so far). When
   * `final` is false the text may end mid-construct: the formatter then shows
   * what is certain and holds back what could still turn into syntax. Never
   * throws for any string input; the result's entities always pass
   * `validateEntities` and its text holds no lone surrogate.
   */
  render(source: string, final: boolean): FormattedText;
  /**
   * Optional: where a message may end in `source`, ascending. A boundary `b`
   * must be a place that later text cannot reopen: rendering `source.slice(0, b)`
   * and `source.slice(b)` apart looks like rendering the whole, for this source
   * and any longer one. Without it, a message too long for Telegram is cut at
   * a paragraph, line, sentence or word of its source.
   */
  boundaries?(source: string): number[];
}
