/**
 * `splitBlockRuns(source).runs` starts are stable cut points: for a run start
 * `b` of a text that has arrived, and anything that arrives after it, the
 * whole renders as the part before `b` rendered alone, the run's joiner, and
 * the part from `b` rendered alone. A message cut at `b` therefore never
 * needs to change, and the next message starts exactly where it ended.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { markdownFormatter } from "../../shared/format/index.js";
import { splitBlockRuns } from "../../shared/format/markdown/blocks.js";
import type { FormattedText } from "../../shared/types.js";
import { hostileMarkdown, hostilePart } from "../support/hostile-markdown.js";
import { listish, markdownish } from "./arbitraries.js";

/** Two renderings joined as the formatter joins its runs (an empty side takes no joiner). */
function join(left: FormattedText, joiner: string, right: FormattedText): FormattedText {
  if (left.text === "") return right;
  if (right.text === "") return left;
  const shift = left.text.length + joiner.length;
  return {
    text: left.text + joiner + right.text,
    entities: [
      ...left.entities,
      ...right.entities.map((entity) => ({ ...entity, offset: entity.offset + shift })),
    ],
  };
}

const sorted = (rendered: FormattedText) => ({
  text: rendered.text,
  entities: [...rendered.entities].sort(
    (a, b) => a.offset - b.offset || b.length - a.length || a.type.localeCompare(b.type),
  ),
});

/** Text past each of the formatter's caps (see nesting.ts, floods.ts, setext.ts, wide-tables.ts). */
const overTheCaps = fc.constantFrom(
  "a\n=\n".repeat(40),
  "- a\n---\n".repeat(20),
  `> a\n${"lazy\n".repeat(140)}`,
  `- a\n${"lazy\n".repeat(140)}`,
  "*a ".repeat(600),
  "[a] ".repeat(600),
  `${"|a".repeat(70)}|\n${"|-".repeat(70)}|\n|b|\n`,
  "- - - - - - - - - - - - x",
  "> > > > > > > > > > > > x",
  `${" ".repeat(80)}- x`,
);

/** Text that has arrived: hostile parts and Markdown-ish pieces, line endings `\n`. */
const arrived = fc
  .array(
    fc.tuple(
      fc.oneof(
        hostileMarkdown({ maxLength: 400 }),
        hostilePart({ maxLength: 200 }),
        markdownish,
        listish,
        overTheCaps,
      ),
      fc.constantFrom("\n\n", "\n", "\n\n\n", ""),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) =>
    parts
      .map(([text, gap]) => text + gap)
      .join("")
      .replace(/\r\n?/g, "\n"),
  );
/** Whatever arrives later, including definitions for earlier references. */
const later = fc.oneof(
  hostilePart({ maxLength: 300 }),
  overTheCaps,
  markdownish,
  listish,
  fc.constantFrom("\n[1]: https://a.example\n", "\n\n[a]: https://a.example", "\n===", "\n---"),
);

describe("splitBlockRuns run starts", () => {
  it("are cuts no later text changes: left + joiner + right renders as the whole", () => {
    let cuts = 0;
    fc.assert(
      fc.property(arrived, fc.array(later, { maxLength: 3 }), fc.boolean(), (text, more, final) => {
        const whole = text + more.join("");
        for (const { start, joiner } of splitBlockRuns(text).runs) {
          if (start === 0) continue;
          cuts++;
          const left = markdownFormatter.render(whole.slice(0, start), true);
          const right = markdownFormatter.render(whole.slice(start), final);
          expect(sorted(join(left, joiner, right))).toEqual(
            sorted(markdownFormatter.render(whole, final)),
          );
        }
      }),
      { numRuns: 1000 },
    );
    // The property held at many cuts, not at a few.
    expect(cuts).toBeGreaterThan(1000);
  });

  it("do not start after a reference a definition could still resolve", () => {
    const text = "See [1].\n\nMore text.\n\nAnd more.\n\n";
    expect(splitBlockRuns(text).runs.map((run) => run.start)).toEqual([0]);
    const linked = markdownFormatter.render(`${text}[1]: https://a.example`, true);
    expect(linked.entities).toEqual([
      { type: "text_link", offset: 4, length: 1, url: "https://a.example" },
    ]);
  });

  it("still split answers with inline links and task lists", () => {
    const text = "Read [the docs](https://a.example).\n\n- [x] done\n- [ ] to do\n\nEnd.";
    expect(splitBlockRuns(text).runs.length).toBe(4);
  });
});
