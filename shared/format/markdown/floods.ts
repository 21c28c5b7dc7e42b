/**
 * Delimiter floods: paragraphs holding thousands of `*`, `_`, `` ` ``, `[`,
 * `<`... (`a*a*a*…`, `[a] [a] …`, `*a *a …`, `___…___a`). The parser matches
 * such markers in time that grows with the square of their number (50,000
 * `*a` take seconds), so one hostile answer would block every stream of the
 * process.
 *
 * {@link neutraliseFloods} finds the paragraphs, headings and table cells
 * holding more than {@link MAX_INLINE_MARKERS} markers and hides every
 * marker in them from the parser: each becomes a private-use character, one
 * unit for one unit, so source positions stay valid, and
 * {@link restoreMarkers} puts them back into the parsed tree's text. Such a
 * paragraph renders as the plain text it is written in, in linear time. Code
 * blocks are never touched. A source with fewer markers in all is returned
 * at once, after one linear count.
 */
import type { Nodes, Root } from "mdast";
import { parseMarkdownBlocks } from "./parse.js";

/** More markers than this in one paragraph, heading or cell: it is shown as plain text. */
export const MAX_INLINE_MARKERS = 512;

/** Characters that open or close inline syntax, and the private-use character each is hidden as. */
const MARKERS = "*_~`[]<!&\\";
const HIDDEN_BASE = 0xe000;
const HIDDEN = /[\uE000-\uE009]/;
const HIDDEN_ALL = /[\uE000-\uE009]/g;
/** Markers of emphasis and code: a run counts once, plus once per character past its third. */
const RUN_MARKERS = "*_~`";

/** How many markers `source[start, end)` holds (see {@link RUN_MARKERS}). */
function countMarkers(source: string, start: number, end: number): number {
  let count = 0;
  let run = 0;
  for (let i = start; i < end; i++) {
    const char = source.charAt(i);
    run = char === source.charAt(i - 1) ? run + 1 : 1;
    if (!MARKERS.includes(char)) continue;
    if (!RUN_MARKERS.includes(char) || run === 1 || run > 3) count++;
  }
  return count;
}

/** A source with its floods hidden from the parser. */
export interface NeutralisedSource {
  /** The text to parse: same length as the source, markers of floods replaced. */
  text: string;
  /** Whether any marker was hidden: the tree then needs {@link restoreMarkers}. */
  hidden: boolean;
}

/**
 * Hide the inline markers of every paragraph, heading and table cell of
 * `source` holding more than {@link MAX_INLINE_MARKERS}. A source that holds
 * private-use characters of its own gets backslash escapes instead (slower,
 * still linear in time, and the text shifts: `hidden` stays false).
 */
export function neutraliseFloods(source: string): NeutralisedSource {
  const unchanged = { text: source, hidden: false };
  if (countMarkers(source, 0, source.length) <= MAX_INLINE_MARKERS) return unchanged;
  const ranges = floodedRanges(parseMarkdownBlocks(source), source);
  if (ranges.length === 0) return unchanged;
  const useEscapes = HIDDEN.test(source);
  ranges.sort((a, b) => a.start - b.start);
  const pieces: string[] = [];
  let copied = 0;
  for (const { start, end } of ranges) {
    if (start < copied) continue;
    pieces.push(source.slice(copied, start));
    for (let i = start; i < end; i++) {
      const char = source.charAt(i);
      const marker = MARKERS.indexOf(char);
      if (marker === -1) pieces.push(char);
      else pieces.push(useEscapes ? `\\${char}` : String.fromCharCode(HIDDEN_BASE + marker));
    }
    copied = end;
  }
  pieces.push(source.slice(copied));
  return { text: pieces.join(""), hidden: !useEscapes };
}

/** Put the markers {@link neutraliseFloods} hid back into the text of `tree`. */
export function restoreMarkers(tree: Root): Root {
  const stack: Nodes[] = [tree];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.type === "text" && HIDDEN.test(node.value)) {
      node.value = node.value.replace(HIDDEN_ALL, (char) =>
        MARKERS.charAt(char.charCodeAt(0) - HIDDEN_BASE),
      );
    } else if ("children" in node) {
      for (const child of node.children as Nodes[]) stack.push(child);
    }
  }
  return tree;
}

/** The source ranges of inline content holding a flood, in no particular order. */
function floodedRanges(tree: Root, source: string): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  const stack: Nodes[] = [tree];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.type === "paragraph" || node.type === "heading" || node.type === "tableCell") {
      const start = node.children[0]?.position?.start.offset;
      const end = node.children.at(-1)?.position?.end.offset;
      if (
        start !== undefined &&
        end !== undefined &&
        countMarkers(source, start, end) > MAX_INLINE_MARKERS
      ) {
        ranges.push({ start, end });
      }
    } else if ("children" in node) {
      for (const child of node.children as Nodes[]) stack.push(child);
    }
  }
  return ranges;
}
