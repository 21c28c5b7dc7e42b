import { describe, expect, it } from "vitest";
import { markdownFormatter, validateEntities } from "../../shared/format/index.js";
import { answers } from "./corpus/answers.js";

/** A 12k-character answer made of the corpus answers, numbered so no cache has seen it. */
function longAnswer(): string {
  const run = `${Date.now()}-${Math.random()}`;
  let text = "";
  for (let i = 0; text.length < 12_000; i++) {
    const answer = answers[i % answers.length];
    text += `### Part ${i} (${run})\n\n${answer?.markdown ?? ""}\n\n`;
  }
  return text.slice(0, 12_000);
}

function millisecondsFor(render: () => void, times: number): number {
  const start = performance.now();
  for (let i = 0; i < times; i++) render();
  return (performance.now() - start) / times;
}

describe("markdownFormatter speed", () => {
  it("re-renders a growing 12k answer on each flush in a few milliseconds", () => {
    const source = longAnswer();
    // Stream it the way the core does: the whole text so far, again and again.
    for (let length = 200; length < source.length; length += 200) {
      markdownFormatter.render(source.slice(0, length), false);
    }
    const perFlush = millisecondsFor(() => markdownFormatter.render(source, false), 20);
    const rendered = markdownFormatter.render(source, true);
    expect(validateEntities(rendered)).toEqual([]);
    // Measured 2 to 5 ms; the bound leaves room for slow, busy CI machines.
    expect(perFlush, `${perFlush.toFixed(2)} ms per flush`).toBeLessThan(50);
  });

  it("renders a 12k answer seen for the first time in well under a second", () => {
    const source = longAnswer();
    const once = millisecondsFor(() => markdownFormatter.render(source, true), 1);
    // Measured 25 to 50 ms once the code is warm: one full parse of every block.
    expect(once, `${once.toFixed(1)} ms`).toBeLessThan(500);
  });
});
