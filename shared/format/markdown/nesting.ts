/**
 * Capping how deep Markdown nests, so no input makes the parser or the
 * renderer recurse thousands of levels (a stack overflow) or spend time per
 * line in proportion to the depth.
 *
 * Two steps:
 * - {@link capLineNesting}, before parsing: on each line, past
 *   {@link MAX_LINE_NESTING} container markers (`>`, `-`, `*`, `+`, `1.`,
 *   `1)`), the next marker is escaped, so the rest of the line is text of the
 *   innermost block; indentation wider than {@link MAX_INDENTATION} columns
 *   is cut to it; and past {@link MAX_LAZY_LINES} lazy continuation lines a
 *   blank line is put in. Each line is judged on its own (and the lazy count
 *   restarts at every blank line), so text after a blank line is capped the
 *   same alone as inside the whole document, which keeps block runs stable.
 *   The price: a code line itself nested 8 markers deep, or indented past 64
 *   columns, is changed too; no real answer has one.
 * - {@link capTreeDepth}, after parsing: nesting built over several lines
 *   (each line indented one level more) is not limited by the first step, so
 *   any node deeper than {@link MAX_TREE_DEPTH} in the tree is replaced by its
 *   source text, as plain text. Inline nesting (emphasis in emphasis...)
 *   counts too.
 *
 * Both are linear in the text and use no recursion. Answers real models give
 * nest a few levels; neither step changes them.
 */
import type { Nodes, Parent, Root } from "mdast";

/** Container markers one line may open before the rest of it is text. */
export const MAX_LINE_NESTING = 8;
/** Nodes deeper than this in the tree are shown as their source text. */
export const MAX_TREE_DEPTH = 48;
/**
 * Leading whitespace wider than this many columns is cut to it: lists nested
 * by indentation stop getting deeper (a line deeper still joins the deepest
 * list that fits).
 */
export const MAX_INDENTATION = 64;
/**
 * Lazy continuation lines (a paragraph inside a quote or list item going on
 * in lines without the markers) cost the parser time in proportion to the
 * paragraph so far: past this many in a row, a blank line ends the
 * paragraph, and the lines after it are top-level text.
 */
export const MAX_LAZY_LINES = 128;

const FENCE = /^ {0,3}(?:`{3}|~{3})/;
const THEMATIC_BREAK = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;

/**
 * Escape the container marker that would nest a line deeper than
 * {@link MAX_LINE_NESTING}; returns `source` itself when no line does.
 */
export function capLineNesting(source: string): string {
  const pieces: string[] = [];
  let copied = 0;
  let lineStart = 0;
  // Whether the last line was in a quote or list item, and how many lazy
  // lines (no markers, not indented) followed it.
  let inContainer = false;
  let lazyLines = 0;
  while (lineStart < source.length) {
    const newline = source.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? source.length : newline;
    if (isBlank(source, lineStart, lineEnd) || FENCE.test(source.slice(lineStart, lineStart + 8))) {
      // A blank line or a fence ends the paragraph lazy lines could continue.
      inContainer = false;
      lazyLines = 0;
    } else if (startsContainer(source, lineStart, lineEnd)) {
      inContainer = true;
      lazyLines = 0;
    } else if (source[lineStart] === " " || source[lineStart] === "\t") {
      lazyLines = 0;
    } else if (inContainer && ++lazyLines > MAX_LAZY_LINES) {
      pieces.push(source.slice(copied, lineStart), "\n");
      copied = lineStart;
      inContainer = false;
      lazyLines = 0;
    }
    if (lineEnd - lineStart > MAX_LINE_NESTING) {
      const indent = indentationEnd(source, lineStart, lineEnd);
      if (indent !== -1) {
        pieces.push(source.slice(copied, lineStart), " ".repeat(MAX_INDENTATION));
        copied = indent;
      }
      const at = escapeAt(source, lineStart, lineEnd);
      if (at !== -1) {
        pieces.push(source.slice(copied, at), "\\");
        copied = at;
      }
    }
    lineStart = lineEnd + 1;
  }
  if (pieces.length === 0) return source;
  pieces.push(source.slice(copied));
  return pieces.join("");
}

function isBlank(source: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (source[i] !== " " && source[i] !== "\t") return false;
  }
  return true;
}

/** Whether the line starts with a block quote or list marker (after at most 3 spaces). */
function startsContainer(source: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && i - start < 3 && source[i] === " ") i++;
  const char = source[i];
  if (char === ">") return true;
  if (char === "-" || char === "*" || char === "+") return isSpaceOrEnd(source, i + 1, end);
  let digits = i;
  while (digits < end && digits - i < 9 && isDigit(source.charCodeAt(digits))) digits++;
  const delimiter = source[digits];
  return (
    digits > i && (delimiter === "." || delimiter === ")") && isSpaceOrEnd(source, digits + 1, end)
  );
}

/**
 * Where to put a backslash on the line `source[start, end)` so it nests no
 * deeper than the cap, or -1 when it does not.
 */
function escapeAt(source: string, start: number, end: number): number {
  let depth = 0;
  let i = start;
  for (;;) {
    while (i < end && (source[i] === " " || source[i] === "\t")) i++;
    const char = source[i];
    let marker = -1; // the character to escape
    let next = i;
    if (char === ">") {
      marker = i;
      next = i + 1;
    } else if ((char === "-" || char === "*" || char === "+") && isSpaceOrEnd(source, i + 1, end)) {
      marker = i;
      next = i + 1;
    } else {
      let digits = i;
      while (digits < end && digits - i < 9 && isDigit(source.charCodeAt(digits))) digits++;
      const delimiter = source[digits];
      if (
        digits > i &&
        (delimiter === "." || delimiter === ")") &&
        isSpaceOrEnd(source, digits + 1, end)
      ) {
        marker = digits;
        next = digits + 1;
      }
    }
    if (marker === -1) return -1;
    if (depth === MAX_LINE_NESTING) {
      // A rule (`- - - - …`) is one block however many dashes it has.
      return THEMATIC_BREAK.test(source.slice(i, end)) ? -1 : marker;
    }
    depth++;
    i = next;
  }
}

/**
 * Where the leading whitespace of the line `source[start, end)` ends when it
 * is wider than {@link MAX_INDENTATION} columns (tabs to multiples of 4),
 * else -1.
 */
function indentationEnd(source: string, start: number, end: number): number {
  let column = 0;
  let i = start;
  for (; i < end; i++) {
    const char = source.charAt(i);
    if (char === " ") column++;
    else if (char === "\t") column += 4 - (column % 4);
    else break;
  }
  return column > MAX_INDENTATION ? i : -1;
}

function isSpaceOrEnd(source: string, index: number, end: number): boolean {
  return index >= end || source[index] === " " || source[index] === "\t";
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Replace every node deeper than {@link MAX_TREE_DEPTH} in `tree` (parsed
 * from `source`) by its source text: a paragraph in a block context, a text
 * node in an inline one. Edits the tree in place and returns it.
 */
export function capTreeDepth(tree: Root, source: string): Root {
  const stack: Array<{ node: Parent; depth: number }> = [{ node: tree, depth: 0 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { node, depth } = entry;
    const children = node.children as Nodes[];
    for (let index = 0; index < children.length; index++) {
      const child = children[index];
      if (child === undefined || !("children" in child)) continue;
      // A list holds items and a table rows and cells: cap one level deeper.
      if (depth + 1 < MAX_TREE_DEPTH || !acceptsText(node)) {
        stack.push({ node: child, depth: depth + 1 });
        continue;
      }
      children[index] = asSourceText(child, source, isInline(node));
    }
  }
  return tree;
}

/** Whether a paragraph (or text) can stand among `parent`'s children. */
function acceptsText(parent: Parent): boolean {
  return parent.type !== "list" && parent.type !== "table" && parent.type !== "tableRow";
}

/** Whether `parent` holds inline content (its children are text, emphasis...). */
function isInline(parent: Parent): boolean {
  switch (parent.type) {
    case "paragraph":
    case "heading":
    case "tableCell":
    case "emphasis":
    case "strong":
    case "delete":
    case "link":
    case "linkReference":
      return true;
    default:
      return false;
  }
}

function asSourceText(node: Nodes, source: string, inline: boolean): Nodes {
  const start = node.position?.start.offset ?? 0;
  const end = node.position?.end.offset ?? start;
  // Without the indentation of its lines, which only said how deep they were.
  const value = source.slice(start, end).replace(/\n[ \t]+/g, "\n");
  const text: Nodes = { type: "text", value, position: node.position };
  if (inline) return text;
  // Tables and lists want their own children: a paragraph fits in any block.
  return { type: "paragraph", children: [text], position: node.position };
}
