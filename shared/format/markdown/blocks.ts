/**
 * Splitting a Markdown source into runs that render the same alone as inside
 * the whole document.
 *
 * Two uses, two functions over one scan:
 * - {@link splitBlockRuns}: places where a message may be cut. Its run starts
 *   are stable: for a run start `b` of `source` and any text `more`,
 *   rendering `source + more` gives the rendering of `source.slice(0, b)`,
 *   the joiner, then the rendering of `(source + more).slice(b)` (a side
 *   that renders empty takes no joiner). Nothing that arrives later can
 *   change how the text before `b` renders.
 * - {@link splitCachedRuns}: finer runs for the formatter's cache of
 *   rendered runs, exact for `source` as it is now.
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
 * Link reference definitions (`[id]: url`) turn `[text][id]` and `[id]`
 * anywhere, before or after them, into links. For the cache, simple
 * top-level ones are collected and given to every run as a preamble (which
 * renders nothing). For cuts, a definition may still arrive at any time, so
 * no run starts after a line holding a `]` that is not a task box (`[x]`) or
 * the end of a well-formed inline link (`](url)`, which needs no definition). A source with
 * anything less simple, a definition inside a container or an HTML block
 * that may span blank lines (`<!--`, `<pre`, `<script`...), is kept in one
 * piece: not splitting is always correct, it only costs time.
 *
 * Run starts are offsets in the text the formatter renders: line endings
 * `\r\n` and `\r` already turned into `\n`.
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
const DEFINITION_LIKE_ANYWHERE = new RegExp(DEFINITION_LIKE.source, "m");
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

/**
 * A `]` followed by what is surely an inline link's `(destination "title")`:
 * an inline link needs no definition, and nothing later can change it.
 */
const INLINE_LINK_END =
  /\]\((?:<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'))?[ \t]*\)/g;
const TASK_BOX = /^[ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\](?=[ \t]|$)/;

/**
 * The stable runs of `source` (line endings must already be `\n`): where a
 * message may be cut so that no later text changes the part before the cut.
 * `preamble` is always "". See the module comment.
 */
export function splitBlockRuns(source: string): BlockRuns {
  return findRuns(source, true);
}

/**
 * The runs of `source` as it is now (line endings must already be `\n`),
 * with the link reference definitions every run needs: finer than
 * {@link splitBlockRuns}, for caching rendered runs.
 */
export function splitCachedRuns(source: string): BlockRuns {
  return findRuns(source, false);
}

function findRuns(source: string, stable: boolean): BlockRuns {
  const whole: BlockRuns = { runs: [{ start: 0, joiner: "\n\n" }], preamble: "" };
  if (LONG_HTML_BLOCK.test(source)) return whole;
  const runs: BlockRun[] = [{ start: 0, joiner: "\n\n" }];
  const definitions: string[] = [];
  // An open fence; `item` is the content column of the list item it is in,
  // if any: a line indented less ends the item, and the fence with it.
  let fence: { char: string; length: number; item?: number } | undefined;
  let list: ListState = "none";
  let previous: LineKind = "blank";
  let lineStart = 0;
  while (lineStart < source.length) {
    const newline = source.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? source.length : newline;
    const line = source.slice(lineStart, lineEnd);
    const fenceLine = FENCE.exec(line);
    let kind: LineKind = BLANK.test(line) ? "blank" : "other";
    if (fence?.item !== undefined && kind === "other" && indentation(line) < fence.item) {
      fence = undefined;
    }
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
      if (stable && referenceLike(line)) {
        // Runs may start up to this line, not after it.
        return { runs: distinct(runs.filter((run) => run.start <= lineStart)), preamble: "" };
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
      if (marker !== undefined && !(marker[0] === "`" && fenceLine?.[2]?.includes("`"))) {
        fence = { char: marker[0] ?? "`", length: marker.length };
        const indent = indentation(line);
        if (indent > 0 && typeof list === "object" && indent >= list.contentColumn) {
          fence.item = list.contentColumn;
        } else if (indent > 0 && list !== "none") {
          // In a list item or not: where the fence ends is not clear, and
          // no run starts after it. A definition after it would be missed.
          const rest = source.slice(lineEnd);
          if (!stable && DEFINITION_LIKE_ANYWHERE.test(rest)) return whole;
          return withPreamble(runs, stable ? [] : definitions, whole);
        }
      }
    }
    previous = kind;
    lineStart = lineEnd + 1;
  }
  return withPreamble(runs, definitions, whole);
}

/** The runs with the definitions as their preamble, or `whole` if the parser disagrees they are. */
function withPreamble(runs: BlockRun[], definitions: string[], whole: BlockRuns): BlockRuns {
  if (definitions.length === 0) return { runs: distinct(runs), preamble: "" };
  // The parser has the last word on what a valid definition is.
  const preamble = `${definitions.join("\n")}\n\n`;
  const parsed = parseMarkdown(preamble).children;
  const allDefinitions =
    parsed.length === definitions.length && parsed.every((node) => node.type === "definition");
  return allDefinitions ? { runs: distinct(runs), preamble } : whole;
}

/** The runs without a second run at 0 (the first line after the start counts as after a blank line). */
function distinct(runs: BlockRun[]): BlockRun[] {
  return runs.filter((run, index) => index === 0 || run.start > 0);
}

/** Whether `line` holds a `]` that a definition arriving later could turn into a link. */
function referenceLike(line: string): boolean {
  const task = TASK_BOX.exec(line);
  const rest = task === null ? line : line.slice(task[0].length);
  return rest.replace(INLINE_LINK_END, "").includes("]");
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
