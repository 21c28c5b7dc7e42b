/**
 * Making an unfinished Markdown segment render the way its finished form will,
 * so the message grows smoothly instead of flashing raw syntax that later
 * turns into formatting.
 *
 * Two steps, both plain source-to-source edits before the (real) parser runs:
 *
 * 1. {@link holdBackUnfinishedSyntax} removes a tail that could still become
 *    syntax: a trailing run of `*`, `_`, `` ` ``, `~`, `|`, `[`, `#` or `\`,
 *    a half character reference (`&am`), a half autolink (`<https://`), a
 *    last line of nothing but block markers (`-`, `1.`, `>`, `##`, `- [ ]`,
 *    `---`, which could still be a list item, a setext underline or a rule),
 *    an unfinished fence line, an unfinished table row and a table header
 *    whose delimiter row has not arrived.
 * 2. {@link closeOpenInline} closes what is still open in the last paragraph
 *    or heading: it finds the markers the parser left as text (no closer yet),
 *    appends their closers in reverse order (`**bold *and` becomes
 *    `**bold *and***`), and shows a link whose `)` has not arrived as its text
 *    alone (`[text](htt` becomes `text`).
 *
 * Open code fences need nothing: the parser already renders an unclosed fence
 * as a code block of what has arrived.
 *
 * Known cases where the text of a later prefix does not extend the earlier
 * one: table columns widen as rows arrive; a `[` that turns out not to start
 * a link reappears, and reference links (`[text][id]`) show their brackets
 * until the definition arrives; an unclosed marker that never closes (`a*b`,
 * a lone backtick) is shown as formatting first and as text at the end.
 */
import type { Heading, Nodes, Paragraph, Root } from "mdast";
import { canOpen } from "./flanking.js";

/** Characters a trailing run of which could still become syntax. */
const DELIMITER_CHARACTERS = new Set(["*", "_", "`", "~", "|", "[", "\\", "#"]);
const TRAILING_CHARACTER_REFERENCE = /&#?[A-Za-z0-9]{0,32}$/;
const TRAILING_AUTOLINK = /<(?:[A-Za-z][A-Za-z0-9+.-]*(?::[^\s<>]*)?)?$/;
/** How far back a half autolink or character reference is looked for. */
const TAIL_WINDOW = 2048;
/**
 * Rounds of removal at most: real text needs two or three; a flood of
 * alternating tails (`&<&<…`) stops here and shows what is left.
 */
const MAX_ROUNDS = 16;
/** Block quote markers, list markers and indentation at the start of a line. */
const CONTAINER_PREFIX = /^[ \t]*(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))/;
/** What may be left of a line that is only markers: a list number, heading hashes, a task box, a rule. */
const MARKERS_ONLY = /^(?:\d{1,9}|#{1,6}|\[[ xX]?\]?|[-=*_ \t]*)$/;
const FENCE_START = /^(?:`{3,}|~{3,})/;

/**
 * Remove the tail of `text` that could still turn into syntax (see the module
 * comment), repeating until nothing more is removed. Linear in the text: each
 * round looks at the tail and the last line only.
 */
export function holdBackUnfinishedSyntax(text: string): string {
  let kept = text;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const before = kept;
    kept = withoutTail(kept, TRAILING_CHARACTER_REFERENCE);
    kept = withoutTail(kept, TRAILING_AUTOLINK);
    const delimiters = trailingDelimiters(kept);
    if (delimiters < kept.length) {
      const run = kept.charAt(delimiters);
      kept = kept.slice(0, delimiters);
      // `![` is the start of an image: hold back its `!` too.
      if (run === "[" && kept.endsWith("!")) kept = kept.slice(0, -1);
    }
    // A `!` starting a word can only be the start of an image.
    if (kept.endsWith("!") && (kept.length === 1 || /\s/.test(kept.charAt(kept.length - 2)))) {
      kept = kept.slice(0, -1);
    }
    const lineStart = kept.lastIndexOf("\n") + 1;
    if (isUnfinishedLine(kept.slice(lineStart))) kept = kept.slice(0, lineStart);
    if (kept === before) break;
  }
  return holdBackTableHeader(kept);
}

/** Where the trailing run of delimiter characters of `text` starts (its length when none). */
function trailingDelimiters(text: string): number {
  let start = text.length;
  while (start > 0 && DELIMITER_CHARACTERS.has(text.charAt(start - 1))) start--;
  return start;
}

/** `text` without the match of `pattern` (anchored at the end) within its last {@link TAIL_WINDOW} units. */
function withoutTail(text: string, pattern: RegExp): string {
  const offset = Math.max(0, text.length - TAIL_WINDOW);
  const match = pattern.exec(offset === 0 ? text : text.slice(offset));
  return match === null ? text : text.slice(0, offset + match.index);
}

/** A last line (no newline yet) whose meaning is still open. */
function isUnfinishedLine(line: string): boolean {
  if (/^[ \t>]*\|/.test(line)) return true; // a table row still arriving
  // A link reference definition (`[id]: url`), or a line that may become one.
  if (/^ {0,3}\[(?:[^\]]*\]?$|[^\]]+\]:)/.test(line)) return true;
  let rest = line;
  for (let prefix = CONTAINER_PREFIX.exec(rest); prefix; prefix = CONTAINER_PREFIX.exec(rest)) {
    rest = rest.slice(prefix[0].length);
  }
  rest = rest.trim();
  return MARKERS_ONLY.test(rest) || FENCE_START.test(rest);
}

/**
 * A finished line starting with `|` right after a non-table line may be a
 * table header: hold it back until the delimiter row below it arrives, so
 * the text does not show as a paragraph first and jump into a table after.
 */
function holdBackTableHeader(text: string): string {
  if (!text.endsWith("\n")) return text;
  const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
  if (!isTableLine(text.slice(lastStart, -1))) return text;
  const previousStart = lastStart === 0 ? -1 : text.lastIndexOf("\n", lastStart - 2) + 1;
  if (previousStart !== -1 && isTableLine(text.slice(previousStart, lastStart - 1))) return text;
  return text.slice(0, lastStart);
}

function isTableLine(line: string): boolean {
  return /^[ \t>]*\|/.test(line);
}

/** A marker still waiting for its closer, at source offset `at`. */
interface Opener {
  kind: "emphasis" | "strikethrough" | "spoiler" | "code" | "bracket";
  at: number;
  /** The marker as written: its closer is the same characters. */
  marker: string;
}

/**
 * Close what is still open at the end of the last paragraph or heading of
 * `text` (parsed as `tree`), returning the edited source, or `text` itself
 * when nothing is open.
 */
export function closeOpenInline(text: string, tree: Root): string {
  const block = openInlineBlock(text, tree);
  const start = block?.position?.start.offset;
  const end = block?.position?.end.offset;
  if (block === undefined || start === undefined || end === undefined) return text;

  // Index of the block's last non-space character: a `]` there or after
  // ends the text so far.
  let lastVisible = end - 1;
  while (lastVisible > start && /\s/.test(text.charAt(lastVisible))) lastVisible--;
  const openers: Opener[] = [];
  let cut: number | undefined; // where a pending link's `](…` begins
  let link: Opener | undefined; // the `[` of that pending link
  scan: for (const child of block.children) {
    if (child.type !== "text") continue; // finished constructs: nothing open inside
    const from = child.position?.start.offset ?? 0;
    const to = child.position?.end.offset ?? 0;
    for (let i = from; i < to; i++) {
      const char = text.charAt(i);
      if (char === "\\") {
        i++; // an escaped character is text
        continue;
      }
      if (char === "`") {
        // Everything after an unclosed backtick run is code: stop looking.
        openers.push({ kind: "code", at: i, marker: runAt(text, i) });
        break scan;
      }
      if (char === "*" || char === "_" || char === "~") {
        const marker = runAt(text, i);
        const before = i === start ? undefined : text.charAt(i - 1);
        const after = text.charAt(i + marker.length) || undefined;
        // A run longer than three (`____`) is no emphasis a model means to
        // close; closing it would nest emphasis as deep as the run is long.
        const plausible = char === "~" ? marker.length === 2 : marker.length <= 3;
        if (canOpen(char, before, after) && plausible) {
          openers.push({ kind: char === "~" ? "strikethrough" : "emphasis", at: i, marker });
        }
        i += marker.length - 1;
        continue;
      }
      if (char === "|" && text.charAt(i + 1) === "|") {
        const spoiler = openers.findIndex((opener) => opener.kind === "spoiler");
        if (spoiler !== -1 && !/\s/u.test(text.charAt(i - 1))) openers.splice(spoiler, 1);
        else if (spoiler === -1 && /\S/u.test(text.charAt(i + 2))) {
          openers.push({ kind: "spoiler", at: i, marker: "||" });
        }
        i++;
        continue;
      }
      if (char === "[") {
        const image = text.charAt(i - 1) === "!" && text.charAt(i - 2) !== "\\";
        openers.push({ kind: "bracket", at: image ? i - 1 : i, marker: image ? "![" : "[" });
        continue;
      }
      if (char === "]") {
        const index = openers.findLastIndex((opener) => opener.kind === "bracket");
        const bracket = openers[index];
        if (bracket === undefined) continue;
        const rest = text.slice(i + 1, end);
        if (i >= lastVisible || (rest.startsWith("(") && !hasClosingParenthesis(rest))) {
          cut = i; // `[text]` or `[text](half-url`: may still become a link
          link = bracket;
          break scan;
        }
        openers.splice(index, 1); // brackets that are just text
      }
    }
  }

  // Without a `]` yet, the last `[` is a link in the making, unless it sits
  // right after a letter or digit (`items[0`), which is almost never a link.
  link ??= openers.findLast(
    (opener) => opener.kind === "bracket" && !/[\p{L}\p{N}]/u.test(text.charAt(opener.at - 1)),
  );
  const closers = openers
    .filter((opener) => opener.kind !== "bracket")
    .map((opener) => opener.marker)
    .reverse()
    .join("");
  if (closers === "" && link === undefined) return text;

  // Closers go right after the last visible character: a closer after a space
  // would not close anything.
  let insertAt = cut ?? end;
  while (insertAt > start && /\s/.test(text.charAt(insertAt - 1))) insertAt--;
  let edited = text.slice(0, insertAt) + closers + text.slice(cut === undefined ? insertAt : end);
  if (link !== undefined) {
    edited = edited.slice(0, link.at) + edited.slice(link.at + link.marker.length);
  }
  return edited;
}

/** The last paragraph or heading of the tree, if more text could still extend it. */
function openInlineBlock(text: string, tree: Root): Paragraph | Heading | undefined {
  let node: Nodes = tree;
  for (;;) {
    if (!("children" in node)) return undefined;
    const last: Nodes | undefined = node.children.at(-1);
    if (last === undefined) return undefined;
    if (last.type === "blockquote" || last.type === "list" || last.type === "listItem") {
      node = last;
      continue;
    }
    const after = text.slice(last.position?.end.offset ?? text.length);
    if (last.type === "paragraph" && /^[ \t]*(?:\n[ \t]*)?$/.test(after)) return last;
    if (last.type === "heading" && /^[ \t]*$/.test(after)) return last;
    return undefined;
  }
}

/** The run of the same character starting at `index`. */
function runAt(text: string, index: number): string {
  const char = text.charAt(index);
  let end = index;
  while (text.charAt(end) === char) end++;
  return text.slice(index, end);
}

/** Whether `rest` (starting with `(`) holds the `)` that ends a link destination. */
function hasClosingParenthesis(rest: string): boolean {
  let depth = 0;
  for (let i = 0; i < rest.length; i++) {
    const char = rest.charAt(i);
    if (char === "\\") i++;
    else if (char === "(") depth++;
    else if (char === ")" && --depth === 0) return true;
  }
  return false;
}
