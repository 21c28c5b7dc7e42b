/**
 * The Markdown formatter: CommonMark + GFM rendered as Telegram text and
 * entities, on every flush of a stream.
 *
 * Rendering a 12k-character answer from scratch takes tens of milliseconds
 * (the parser is thorough, not fast), so the source is cut into runs of
 * blocks and list items that render independently (see `blocks.ts`).
 * Finished runs are remembered in a small cache keyed by their source text;
 * on a flush only the last run, the one still growing, is parsed: about 2 to
 * 5 ms for a 12k answer. The cache changes no result: the output depends on
 * the source alone.
 *
 * Hostile input (see `nesting.ts`, `floods.ts`, `wide-tables.ts`,
 * `setext.ts`): nesting is capped before and after parsing; tables wider
 * than 64 columns, setext headings past 32 in a row and delimiter floods are
 * rendered as the text they are, so a run renders in time about linear in
 * its length. Should a run still fail
 * to render, or render to more than {@link MAX_OUTPUT_FACTOR} times its
 * length, it is shown as plain text: rendering never throws.
 */

import type { Root } from "mdast";
import { describeValue as describe } from "../../describe.js";
import type { FormattedText } from "../../types.js";
import type { Formatter } from "../formatter.js";
import { wellFormedSource } from "../unicode.js";
import { splitBlockRuns, splitCachedRuns } from "./blocks.js";
import { neutraliseFloods, restoreMarkers } from "./floods.js";
import { capLineNesting, capTreeDepth } from "./nesting.js";
import { parseMarkdown } from "./parse.js";
import { renderMarkdownTree } from "./render-tree.js";
import { capSetextHeadings } from "./setext.js";
import { closeOpenInline, holdBackUnfinishedSyntax } from "./streaming-tail.js";
import { capTableColumns } from "./wide-tables.js";

/** How many finished runs to remember; a few chats' worth of long answers. */
const CACHE_SIZE = 2000;
/**
 * How many UTF-16 units of source and rendered text the remembered runs may
 * hold together (about 16 MB as JavaScript strings), however long the runs.
 */
const CACHE_CHARACTERS = 8_000_000;
const finishedRuns = new Map<string, FormattedText>();
let cachedCharacters = 0;

/**
 * A run renders to at most this many times its source length plus
 * {@link MAX_OUTPUT_SLACK} units; a run that would render longer is shown as
 * plain text instead. With the caps of `nesting.ts` and `table.ts` no
 * rendering comes near it (the most is about 5: one-character lines of a
 * list item indented 8 spaces); it is a last line of defence.
 */
export const MAX_OUTPUT_FACTOR = 6;
/** See {@link MAX_OUTPUT_FACTOR}. */
export const MAX_OUTPUT_SLACK = 16;

/**
 * Renders CommonMark + GFM (see `render-tree.ts` for how each construct
 * looks) and, while the stream runs, shows unfinished syntax the way it will
 * look once finished (see `streaming-tail.ts`).
 */
export const markdownFormatter: Formatter = Object.freeze({
  name: "markdown" as const,
  render(source: string, final: boolean): FormattedText {
    if (typeof source !== "string") {
      throw new TypeError(`source must be a string, got ${describe(source)}`);
    }
    const text = wellFormedSource(source, final).replace(/\r\n?/g, "\n");
    const { runs, preamble } = splitCachedRuns(text);
    return joinRuns(
      runs.map(({ start, joiner }, index) => {
        const body = text.slice(start, runs[index + 1]?.start ?? text.length);
        const last = index === runs.length - 1;
        const rendered =
          last && !final ? renderUnfinished(preamble, body) : renderFinished(preamble, body);
        return { joiner, rendered };
      }),
    );
  },
  boundaries(source: string): number[] {
    // Run starts are positions in the text with `\n` line endings: only usable as they are.
    if (typeof source !== "string" || source.includes("\r")) return [];
    return splitBlockRuns(source)
      .runs.map((run) => run.start)
      .filter((start) => start > 0);
  },
});

/** Render Markdown that is complete, in one piece, without the run cache (tests compare against it). */
export function renderMarkdownDocument(source: string): FormattedText {
  return renderMarkdownTree(parseSafely(source).tree);
}

/**
 * Parse with nesting capped and floods hidden; `text` is what the tree's
 * positions refer to, `finish` makes a tree of `text` (or of `text` with
 * closers appended) safe to render.
 */
function parseSafely(source: string): {
  text: string;
  tree: Root;
  finish: (tree: Root, parsed: string) => Root;
} {
  const capped = capSetextHeadings(capTableColumns(capLineNesting(source)));
  const { text, hidden } = neutraliseFloods(capped);
  const finish = (tree: Root, parsed: string) => {
    const capped = capTreeDepth(tree, parsed);
    return hidden ? restoreMarkers(capped) : capped;
  };
  return { text, tree: finish(parseMarkdown(text), text), finish };
}

function renderFinished(preamble: string, body: string): FormattedText {
  const run = preamble + body;
  const cached = finishedRuns.get(run);
  if (cached !== undefined) {
    // Refresh its place in the eviction order.
    finishedRuns.delete(run);
    finishedRuns.set(run, cached);
    return cached;
  }
  const rendered = guarded(body, () => renderMarkdownDocument(run));
  remember(run, rendered);
  return rendered;
}

/** Cache a finished run, evicting the oldest past the count or the character bound. */
function remember(run: string, rendered: FormattedText): void {
  finishedRuns.set(run, rendered);
  cachedCharacters += run.length + rendered.text.length;
  while (finishedRuns.size > CACHE_SIZE || cachedCharacters > CACHE_CHARACTERS) {
    const oldest = finishedRuns.entries().next();
    if (oldest.done) break;
    const [key, value] = oldest.value;
    finishedRuns.delete(key);
    cachedCharacters -= key.length + value.text.length;
  }
}

/** How many runs and characters the finished-run cache holds now (for tests and the bench). */
export function finishedRunCacheSize(): { runs: number; characters: number } {
  return { runs: finishedRuns.size, characters: cachedCharacters };
}

function renderUnfinished(preamble: string, body: string): FormattedText {
  return guarded(body, () => {
    const kept = holdBackUnfinishedSyntax(preamble + body);
    const { text, tree, finish } = parseSafely(kept);
    const closed = closeOpenInline(text, tree);
    // The closers added are fewer than a flood: `closed` needs no new check.
    return renderMarkdownTree(closed === text ? tree : finish(parseMarkdown(closed), closed));
  });
}

/**
 * Run `render` for the run `body`; if it throws or renders to more than
 * {@link MAX_OUTPUT_FACTOR} times the body, show the body as plain text.
 */
function guarded(body: string, render: () => FormattedText): FormattedText {
  try {
    const rendered = render();
    if (rendered.text.length <= MAX_OUTPUT_FACTOR * body.length + MAX_OUTPUT_SLACK) {
      return rendered;
    }
  } catch {
    // Shown as plain text below: a renderer bug must not fail the reply.
  }
  return { text: body.trim(), entities: [] };
}

/** Join rendered runs as their blocks would be joined in one document; copies every entity. */
function joinRuns(
  parts: ReadonlyArray<{ joiner: string; rendered: FormattedText }>,
): FormattedText {
  let text = "";
  const entities: FormattedText["entities"] = [];
  for (const { joiner, rendered } of parts) {
    if (rendered.text === "") continue;
    if (text !== "") text += joiner;
    for (const entity of rendered.entities)
      entities.push({ ...entity, offset: entity.offset + text.length });
    text += rendered.text;
  }
  return { text, entities };
}
