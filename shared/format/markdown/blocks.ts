/**
 * Splitting a Markdown source into runs of top-level blocks that render the
 * same alone as inside the whole document, so a long answer need not be
 * parsed again from the start on every flush: finished runs are rendered
 * once and remembered, only the last one is rendered anew.
 *
 * A new run starts at a line that follows a blank line, starts in column 0
 * and is not a list item, outside any fenced code block: such a line always
 * starts a new top-level block, and what came before cannot change how it
 * renders. Two things reach across blocks and are handled here:
 * - list items stay with their list (numbering, nesting), by never starting
 *   a run at a list item;
 * - link reference definitions (`[id]: url`) turn `[text][id]` anywhere into a
 *   link: the simple top-level ones are collected and given to every run (as
 *   a preamble, which renders nothing).
 * A source with anything less simple, a definition inside a container or an
 * HTML block that may span blank lines (`<!--`, `<pre`, `<script`...), is
 * kept in one piece: not splitting is always correct, it only costs time.
 */

import { parseMarkdown } from "./parse.js";

/** The runs of a source: where each starts, and the definitions every run needs. */
export interface BlockRuns {
  /** Offsets in the source where a run starts; the first is always 0. */
  starts: number[];
  /** Link reference definitions to put before each run's text ("" when none), ending in a blank line. */
  preamble: string;
}

type LineKind = "blank" | "definition" | "other";

const LIST_ITEM = /^(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const BLANK = /^[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** Something that may be a link reference definition, anywhere. */
const DEFINITION_LIKE = /^[ \t>*+\-\d.)]*\[[^\]\n]+\]:/;
/** A complete one-line definition at the top level: `[id]: url "title"`. */
const SIMPLE_DEFINITION =
  /^ {0,3}\[[^\]\n]+\]:[ \t]*\S+(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$/;
/** HTML blocks that do not end at a blank line (CommonMark kinds 1 to 5). */
const LONG_HTML_BLOCK = /^[ \t>]*<(?:script|pre|style|textarea|!|\?)/im;

/** Find the runs of `source`; line endings must already be `\n`. */
export function splitBlockRuns(source: string): BlockRuns {
  const whole: BlockRuns = { starts: [0], preamble: "" };
  if (LONG_HTML_BLOCK.test(source)) return whole;
  const starts = [0];
  const definitions: string[] = [];
  let fence: { char: string; length: number } | undefined;
  let previous: LineKind = "blank";
  let lineStart = 0;
  while (lineStart < source.length) {
    const newline = source.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? source.length : newline;
    const line = source.slice(lineStart, lineEnd);
    const fenceLine = FENCE.exec(line);
    let kind: LineKind = BLANK.test(line) ? "blank" : "other";
    if (fence !== undefined) {
      // Inside a fence only its closing line matters: same character, at
      // least as long, nothing after it.
      if (
        fenceLine?.[1]?.[0] === fence.char &&
        fenceLine[1].length >= fence.length &&
        BLANK.test(fenceLine[2] ?? "")
      ) {
        fence = undefined;
      }
    } else {
      if (
        previous === "blank" &&
        kind === "other" &&
        !/^[ \t]/.test(line) &&
        !LIST_ITEM.test(line)
      ) {
        starts.push(lineStart);
      }
      if (DEFINITION_LIKE.test(line)) {
        // A definition cannot interrupt a paragraph; anything less plain than
        // a one-line definition after a blank line or another definition is
        // left to a parse of the whole document.
        if (previous === "other" || !SIMPLE_DEFINITION.test(line)) return whole;
        definitions.push(line);
        kind = "definition";
      }
      const marker = fenceLine?.[1];
      // A backtick fence's info string may not contain backticks.
      if (marker !== undefined && !(marker[0] === "`" && fenceLine?.[2]?.includes("`"))) {
        fence = { char: marker[0] ?? "`", length: marker.length };
      }
    }
    previous = kind;
    lineStart = lineEnd + 1;
  }
  if (definitions.length === 0) return { starts, preamble: "" };
  // The parser has the last word on what a valid definition is.
  const preamble = `${definitions.join("\n")}\n\n`;
  const parsed = parseMarkdown(preamble).children;
  const allDefinitions =
    parsed.length === definitions.length && parsed.every((node) => node.type === "definition");
  return allDefinitions ? { starts, preamble } : whole;
}
