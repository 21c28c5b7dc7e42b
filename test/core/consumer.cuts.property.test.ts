/**
 * Replies longer than one message, made of the Markdown models really emit at
 * its worst, streamed in any chunking at any pace: every word lands exactly
 * once, no finished message changes, every message fits.
 *
 * Each generated answer numbers its words (`w1`, `w2`, …) so loss and
 * repetition are visible in the chat whatever rendering does around them
 * (tables pad, links drop brackets, code keeps markers).
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { markdownFormatter } from "../../shared/format/index.js";
import { validateEntities } from "../../shared/format/validate.js";
import { StreamHub } from "../../shared/hub.js";
import type { MessageEntity } from "../../shared/types.js";
import { settle } from "../support/drive.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { hostileMarkdown } from "../support/hostile-markdown.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A word slot, numbered when the answer is assembled. */
const W = "\u0000";
const words = (min: number, max: number) =>
  fc.integer({ min, max }).map((n) => Array.from({ length: n }, () => W).join(" "));
const decorated = fc.oneof(
  fc.constant(W),
  fc.constant(`**${W}**`),
  fc.constant(`*${W}*`),
  fc.constant(`\`${W}\``),
  fc.constant(`[${W}](https://example.com/${W.length})`),
  fc.constant(`~~${W}~~`),
  fc.constantFrom(`${W} 🇺🇦🇯🇵`, `${W} 👨‍👩‍👧‍👦`, `${W} 中文字符。`, `${W} e\u0301`, `${W} שלום`),
);
const sentence = (max: number) =>
  fc.array(decorated, { minLength: 1, maxLength: max }).map((parts) => parts.join(" "));

const paragraph = (max: number) => sentence(max).map((s) => `${s}.`);
const table = (maxRows: number, widen: boolean) =>
  fc
    .tuple(fc.integer({ min: 1, max: maxRows }), fc.nat(), fc.integer({ min: 2, max: 4 }))
    .map(([rows, wideAt, columns]) => {
      const header = `| ${Array.from({ length: columns }, (_, i) => `col${i}`).join(" | ")} |`;
      const delimiter = `|${"---|".repeat(columns)}`;
      const body = Array.from({ length: rows }, (_, row) => {
        const cells = Array.from({ length: columns }, () => W);
        if (widen && row === wideAt % rows) cells[0] = `${W} ${"wide".repeat(12)}`;
        return `| ${cells.join(" | ")} |`;
      });
      return [header, delimiter, ...body].join("\n");
    });
const fence = (maxLines: number) =>
  fc
    .tuple(fc.array(words(1, 4), { minLength: 1, maxLength: maxLines }), fc.boolean())
    .map(([lines, closed]) => `\`\`\`js\n${lines.join("\n\n")}${closed ? "\n```" : ""}`);
const list = (maxItems: number, maxDepth: number) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: maxDepth }), sentence(4), fc.boolean()), {
      minLength: 1,
      maxLength: maxItems,
    })
    .map((items) => {
      let depth = 0;
      return items
        .map(([want, text, ordered]) => {
          depth = Math.min(want, depth + 1);
          return `${"  ".repeat(depth)}${ordered ? "1." : "-"} ${text}`;
        })
        .join("\n");
    });
const quote = (maxDepth: number) =>
  fc
    .tuple(fc.integer({ min: 1, max: maxDepth }), sentence(6), fc.boolean())
    .map(([depth, text, lazy]) => `${">".repeat(depth)} ${text}${lazy ? `\n${W} ${W}` : ""}`);
const heading = fc
  .tuple(fc.integer({ min: 1, max: 3 }), sentence(3), paragraph(8), fc.boolean())
  .map(
    ([level, title, body, blank]) => `${"#".repeat(level)} ${title}\n${blank ? "\n" : ""}${body}`,
  );
const setext = fc.tuple(sentence(3), fc.constantFrom("===", "---")).map(([t, u]) => `${t}\n${u}`);

/** Blocks whose rendering stays well under a message, with no construct that spans blocks. */
const tidyBlock = fc.oneof(
  { weight: 4, arbitrary: paragraph(12) },
  { weight: 1, arbitrary: table(5, false) },
  { weight: 1, arbitrary: fence(4).map((f) => (f.endsWith("```") ? f : `${f}\n\`\`\``)) },
  { weight: 1, arbitrary: list(4, 0) },
  { weight: 1, arbitrary: heading },
);

/** The worst of it: huge and widening tables, deep nesting, floods, late references, unclosed fences. */
const hostileBlock = fc.oneof(
  { weight: 3, arbitrary: paragraph(40) },
  { weight: 2, arbitrary: table(150, true) },
  { weight: 1, arbitrary: fence(80) },
  { weight: 1, arbitrary: list(60, 40) },
  { weight: 1, arbitrary: quote(200) },
  { weight: 1, arbitrary: heading },
  { weight: 1, arbitrary: setext },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("*", "_", "`", "~", "|", "[", "*a ", "[a] ", "**"), fc.nat(3000))
      .map(([unit, n]) => unit.repeat(n + 1)),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(sentence(3), { minLength: 1, maxLength: 30 })
      .map((s) => s.map((t) => `${t} [${W}][r1] and [${W}][r2].`).join("\n\n")),
  },
);

/** Number the word slots in order: the expected words, and the answer. */
function numbered(blocks: string[], lateDefinitions: boolean) {
  let n = 0;
  const expected: string[] = [];
  const text = blocks.join("\n\n").replace(new RegExp(W, "g"), () => {
    n++;
    expected.push(`w${n}`);
    return `w${n}`;
  });
  const definitions = lateDefinitions
    ? "\n\n[r1]: https://example.com/one\n[r2]: https://example.com/two\n"
    : "";
  return { text: text + definitions, expected };
}

/** Split points anywhere, including inside surrogate pairs. */
const chunked = (text: string) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 60 })
    .map((cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const out: string[] = [];
      let from = 0;
      for (const c of sorted) {
        out.push(text.slice(from, c));
        from = c;
      }
      out.push(text.slice(from));
      return out;
    });

interface Run {
  text: string;
  parts: string[];
  chatId: number;
  pace: number;
  textLimit: number;
}

async function stream({ parts, chatId, pace, textLimit }: Run) {
  const tg = new FakeTelegram();
  const hub = new StreamHub(tg, { textLimit });
  const consumer = hub.stream(chatId, { format: "markdown", maxFinalWaitMs: 3_600_000 });
  for (const part of parts) {
    consumer.delta(part);
    await vi.advanceTimersByTimeAsync(pace);
  }
  consumer.done();
  const result = await settle(consumer.result);
  return { tg, result };
}

/** What every reply must satisfy, whatever its text. */
function checkMessages(tg: FakeTelegram, textLimit: number) {
  const visible = tg.visibleTexts();
  for (const message of tg.messages.filter((m) => !m.deleted)) {
    const finals = message.versions.filter((v) => !v.endsWith("▉"));
    // Finished once, never changed after.
    expect(finals).toHaveLength(1);
    expect(message.versions.at(-1)).toBe(finals[0]);
  }
  for (const text of visible) {
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThanOrEqual(textLimit);
    expect(text.isWellFormed()).toBe(true);
  }
  for (const call of tg.callsOf("sendMessage", "editMessageText", "sendMessageDraft")) {
    const entities = (call.payload.entities ?? []) as MessageEntity[];
    expect(entities.length).toBeLessThanOrEqual(100);
    expect(() => validateEntities({ text: String(call.payload.text), entities })).not.toThrow();
  }
  return visible;
}

const runOf = (blocks: fc.Arbitrary<string[]>, lateDefinitions: fc.Arbitrary<boolean>) =>
  fc
    .tuple(blocks, lateDefinitions)
    .map(([b, late]) => numbered(b, late))
    .chain(({ text, expected }) =>
      fc.record({
        text: fc.constant(text),
        expected: fc.constant(expected),
        parts: chunked(text),
        chatId: fc.constantFrom(42, -100),
        pace: fc.integer({ min: 0, max: 400 }),
        textLimit: fc.constantFrom(512, 1024, 4096),
      }),
    );

describe("replies longer than a message", () => {
  it("land every word exactly once, whatever the Markdown, chunking and pace", async () => {
    await fc.assert(
      fc.asyncProperty(
        runOf(fc.array(hostileBlock, { minLength: 1, maxLength: 12 }), fc.boolean()),
        async (run) => {
          const { tg } = await stream(run);
          const visible = checkMessages(tg, run.textLimit);
          const landed = visible.join("\n").match(/\bw\d+\b/g) ?? [];
          expect(landed).toEqual(run.expected);
        },
      ),
      { numRuns: 60 },
    );
  }, 300_000);

  it("never fail, and never leave a cursor or change a finished message, on any hostile answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileMarkdown({ maxLength: 6000 }).chain((text) =>
          fc.record({
            text: fc.constant(text),
            parts: chunked(text),
            chatId: fc.constantFrom(42, -100),
            pace: fc.integer({ min: 0, max: 400 }),
            textLimit: fc.constantFrom(512, 4096),
          }),
        ),
        async (run) => {
          const { tg, result } = await stream(run);
          checkMessages(tg, run.textLimit);
          expect(result.text).toBe(run.text);
        },
      ),
      { numRuns: 40 },
    );
  }, 300_000);

  it("show what the whole answer renders to, cut only between blocks", async () => {
    await fc.assert(
      fc.asyncProperty(
        runOf(fc.array(tidyBlock, { minLength: 1, maxLength: 40 }), fc.constant(false)),
        async (run) => {
          const { tg } = await stream(run);
          const visible = checkMessages(tg, run.textLimit);
          const whole = markdownFormatter.render(run.text, true).text;
          const squash = (s: string) => s.replace(/\s+/g, "");
          expect(squash(visible.join(""))).toBe(squash(whole));
        },
      ),
      { numRuns: 80 },
    );
  }, 300_000);
});
