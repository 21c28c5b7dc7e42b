import { describe, expect, it } from "vitest";
import { markdownFormatter } from "../../shared/format/index.js";
import { continuationOf, findCut } from "../../shared/message-cut.js";
import { trimFormatted } from "../../shared/message-text.js";

/** findCut over Markdown, as the planner calls it, for a message of `room` units. */
function cutMarkdown(source: string, room: number) {
  return findCut({
    source,
    minCut: 0,
    boundaries: markdownFormatter.boundaries?.(source) ?? [],
    render: (end) => trimFormatted(markdownFormatter.render(source.slice(0, end), true)),
    fits: (text) => text.text.length <= room,
    room,
  });
}

describe("findCut", () => {
  it("ends a message before a heading, not between the heading and its paragraph", () => {
    const first = "First part of the answer. ".repeat(6).trim();
    const source = `${first}\n\n## Tool calls\n\n${"The tool said yes. ".repeat(8)}`;
    const cut = cutMarkdown(source, 200);
    expect(source.slice(cut.end)).toMatch(/^## Tool calls/);
    expect(cut.text.text).toBe(first);
  });

  it("cuts between blocks whose rendering later text cannot change", () => {
    const blocks = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} with some words.`);
    const source = blocks.join("\n\n");
    const cut = cutMarkdown(source, 300);
    expect(source[cut.end - 1]).toBe("\n");
    expect(source.slice(cut.end)).toMatch(/^Paragraph \d+/);
    expect(cut.text.text.length).toBeLessThanOrEqual(300);
    expect(cut.text.text.length).toBeGreaterThan(150);
  });

  it("cuts inside a block longer than a message, at a word, never inside a flag", () => {
    const source = `${"🇺🇦🇯🇵 word ".repeat(200)}`;
    const cut = cutMarkdown(source, 256);
    expect(cut.text.text.length).toBeLessThanOrEqual(256);
    expect(source.slice(0, cut.end)).toMatch(/ $/);
    expect(source.slice(0, cut.end).isWellFormed()).toBe(true);
  });

  it("says why no piece fits, rather than looping", () => {
    expect(() =>
      findCut({
        source: "abc def",
        minCut: 0,
        boundaries: [],
        render: () => ({ text: "x".repeat(100), entities: [] }),
        fits: () => false,
        room: 10,
      }),
    ).toThrow(/no part of the message fits/);
  });
});

describe("continuationOf", () => {
  it("reopens a code fence cut in the middle, with its language", () => {
    const source = "Intro\n\n```python\nprint(1)\nprint(2)\n";
    expect(continuationOf(source, source.indexOf("print(2)"), 100)).toBe("```python\n");
  });

  it("repeats a table's header and delimiter row when the table is cut between rows", () => {
    const source = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n";
    expect(continuationOf(source, source.indexOf("| 3"), 100)).toBe("| a | b |\n|---|---|\n");
    // A header longer than allowed is not carried: the rows go on as text.
    expect(continuationOf(source, source.indexOf("| 3"), 10)).toBe("");
  });

  it("carries nothing after a paragraph", () => {
    const source = "One paragraph.\n\nAnother one.";
    expect(continuationOf(source, source.indexOf("Another"), 100)).toBe("");
  });
});
