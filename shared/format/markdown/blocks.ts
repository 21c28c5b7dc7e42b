/**
 * Splitting a Markdown source into runs that render the same alone as inside
 * the whole document, so a long answer need not be parsed again from the
 * start on every flush: finished runs are rendered once and remembered, only
 * the last one is rendered anew.
 *
 * Runs start, outside fenced code blocks, at:
 * - a line after a blank line, in column 0, that is not a list item: it always
 *   starts a new top-level block, and what came before cannot change how it
 *   renders (runs are then joined by a blank line, as blocks are);
 * - a list item in column 0 that continues the top-level list of the item
 *   before it (same bullet or delimiter, and for an ordered list the number
 *   that item would get anyway): items render alone as in their list, and
 *   are joined by a line break (lists are always shown tight);
 * - a list item in column 0 after a blank line that starts a new list.
 *
 * Link reference definitions (`[id]: url`) turn `[text][id]` anywhere into a
 * link: simple top-level ones are collected and given to every run as a
 * preamble (which renders nothing). A source with anything less simple, a
 * definition inside a container or an HTML block that may span blank lines
 * (`<!--`, `<pre`, `<script`...), is kept in one piece: not splitting is
 * always correct, it only costs time.
 */
import { parseMarkdown } from "./parse.js";

/** Where a run starts, and what separates its rendering from the run before. */
export interface BlockRun {
  start: number;
  /** A blank line between blocks, a line break between items of one list. */
  joiner: "\n\n" | "\n";
}

/** The runs of a source, and the definitions every run needs. */
export interface BlockRuns {
  /** The runs in order; the first starts at 0. */
  runs: BlockRun[];
  /** Link reference definitions to put before each run's text ("" when none), ending in a blank line. */
  preamble: string;
}

type LineKind = "blank" | "definition" | "other";

/** A list item marker in column 0: the bullet or the number and its delimiter. */
const LIST_ITEM = /^(?:([-*+])|(\d{1,9})([.)]))(?:[ \t]|$)/;
const THEMATIC_BREAK = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const BLANK = /^[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** Something that may be a link reference definition, anywhere. */
const DEFINITION_LIKE = /^[ \t>*+\-\d.)]*\[[^\]\n]+\]:/;
/** A complete one-line definition at the top level: `[id]: url "title"`. */
const SIMPLE_DEFINITION =
  /^ {0,3}\[[^[\]\n]+\]:[ \t]*\S+(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$/;
/** HTML blocks that do not end at a blank line (CommonMark kinds 1 to 5). */
const LONG_HTML_BLOCK = /^[ \t>]*<(?:script|pre|style|textarea|!|\?)/im;

/**
 * What is known about the top-level list at the current line: its marker and
 * the number its next item gets, "none" when no list is open, "unknown" when
 * a line may or may not have continued one (lazy continuation lines, items
 * numbered out of order). Nothing is split while it is unknown.
 */
type ListState = ListContext | "none" | "unknown";

interface ListContext {
  marker: string;
  /** The number the next item of an ordered list gets. */
  next: number;
  /** Indentation a line after a blank line needs to stay in the last item (at least). */
  contentColumn: number;
}

/**
 * Record the run that the unindented, non-blank `line` starts, if any, and
 * return the list state after it.
 */
function startRunsAt(
  line: string,
  lineStart: number,
  previous: LineKind,
  list: ListState,
  runs: BlockRun[],
): ListState {
  const item = THEMATIC_BREAK.test(line) ? null : LIST_ITEM.exec(line);
  if (item === null) {
    if (previous === "blank") {
      runs.push({ start: lineStart, joiner: "\n\n" });
      return "none";
    }
    // Text right below a list item may be a lazy continuation of it.
    return list === "none" ? "none" : "unknown";
  }
  const [, bullet, digits, delimiter] = item;
  const marker = bullet ?? delimiter ?? "";
  const number = digits === undefined ? 0 : Number(digits);
  // Empty items are left alone: whether they start or continue a list
  // depends on more than this line.
  const content = /^[^ \t]*[ \t]*/.exec(line)?.[0].length ?? 0;
  if (content === line.length) return "unknown";
  const next = (following: number): ListContext => ({
    marker,
    next: following,
    contentColumn: content,
  });
  if (typeof list === "object" && list.marker === marker) {
    if (bullet === undefined && number !== list.next) return "unknown";
    runs.push({ start: lineStart, joiner: "\n" });
    return next(list.next + 1);
  }
  if (list === "unknown") return "unknown";
  if (previous === "blank") {
    runs.push({ start: lineStart, joiner: "\n\n" });
    return next(number + 1);
  }
  if (list !== "none") return "unknown";
  // Right below a paragraph only a bullet or a 1 starts a list; anything else
  // continues the paragraph, and below other blocks (a heading) it starts a
  // list all the same: unknown.
  return bullet !== undefined || number === 1 ? next(number + 1) : "unknown";
}

/** Find the runs of `source`; line endings must already be `\n`. */
export function splitBlockRuns(source: string): BlockRuns {
  const whole: BlockRuns = { runs: [{ start: 0, joiner: "\n\n" }], preamble: "" };
  if (LONG_HTML_BLOCK.test(source)) return whole;
  const runs: BlockRun[] = [{ start: 0, joiner: "\n\n" }];
  const definitions: string[] = [];
  let fence: { char: string; length: number } | undefined;
  let list: ListState = "none";
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
    } else if (kind === "other") {
      if (!/^[ \t]/.test(line)) list = startRunsAt(line, lineStart, previous, list, runs);
      else if (
        list === "none" ||
        (typeof list === "object" && indentation(line) < list.contentColumn)
      ) {
        // An indented list item or code block, or a line not indented enough
        // to be inside the list item: what a list item below belongs to is
        // no longer clear.
        list = "unknown";
      }
      if (DEFINITION_LIKE.test(line)) {
        // A definition cannot interrupt a paragraph; anything less plain than
        // a one-line definition after a blank line or another definition is
        // left to a parse of the whole document.
        if (previous === "other" || !SIMPLE_DEFINITION.test(line)) return whole;
        definitions.push(line);
        kind = "definition";
      }
      // An indented fence (inside a list item) is tracked all the same: at
      // worst that means fewer runs.
      const marker = fenceLine?.[1];
      if (marker !== undefined && !(marker[0] === "`" && fenceLine?.[2]?.includes("`"))) {
        fence = { char: marker[0] ?? "`", length: marker.length };
      }
    }
    previous = kind;
    lineStart = lineEnd + 1;
  }
  if (definitions.length === 0) return { runs, preamble: "" };
  // The parser has the last word on what a valid definition is.
  const preamble = `${definitions.join("\n")}\n\n`;
  const parsed = parseMarkdown(preamble).children;
  const allDefinitions =
    parsed.length === definitions.length && parsed.every((node) => node.type === "definition");
  return allDefinitions ? { runs, preamble } : whole;
}

/** The column where a line's text starts, tabs expanded to multiples of 4. */
function indentation(line: string): number {
  let column = 0;
  for (const char of line) {
    if (char === " ") column++;
    else if (char === "\t") column += 4 - (column % 4);
    else break;
  }
  return column;
}
