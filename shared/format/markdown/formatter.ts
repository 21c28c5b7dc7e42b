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
 */

import { describeValue as describe } from "../../describe.js";
import type { FormattedText } from "../../types.js";
import type { Formatter } from "../formatter.js";
import { wellFormedSource } from "../unicode.js";
import { splitBlockRuns } from "./blocks.js";
import { parseMarkdown } from "./parse.js";
import { renderMarkdownTree } from "./render-tree.js";
import { closeOpenInline, holdBackUnfinishedSyntax } from "./streaming-tail.js";

/** How many finished runs to remember; a few chats' worth of long answers. */
const CACHE_SIZE = 2000;
const finishedRuns = new Map<string, FormattedText>();

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
    const { runs, preamble } = splitBlockRuns(text);
    return joinRuns(
      runs.map(({ start, joiner }, index) => {
        const run = preamble + text.slice(start, runs[index + 1]?.start ?? text.length);
        const last = index === runs.length - 1;
        return { joiner, rendered: last && !final ? renderUnfinished(run) : renderFinished(run) };
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
  return renderMarkdownTree(parseMarkdown(source));
}

function renderFinished(run: string): FormattedText {
  const cached = finishedRuns.get(run);
  if (cached !== undefined) {
    // Refresh its place in the eviction order.
    finishedRuns.delete(run);
    finishedRuns.set(run, cached);
    return cached;
  }
  const rendered = renderMarkdownDocument(run);
  finishedRuns.set(run, rendered);
  if (finishedRuns.size > CACHE_SIZE) {
    const oldest = finishedRuns.keys().next();
    if (!oldest.done) finishedRuns.delete(oldest.value);
  }
  return rendered;
}

function renderUnfinished(run: string): FormattedText {
  const kept = holdBackUnfinishedSyntax(run);
  const tree = parseMarkdown(kept);
  const closed = closeOpenInline(kept, tree);
  return renderMarkdownTree(closed === kept ? tree : parseMarkdown(closed));
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
