import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StreamHub } from "../../shared/hub.js";
import { settle } from "../support/drive.js";
import { type FakeFault, FakeTelegram } from "../support/fake-telegram.js";
import { DRAFTS, GROUP_CHAT, overflowedWindow, PRIVATE_CHAT } from "../support/windows.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const piece = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom("word ", "Sentence one. ", "line\n", "\n\n", "  ", "\t"),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom("😀", "👨‍👩‍👧", "🇺🇦", "中文字符。", "é", "e\u0301", "Привет, мир. "),
  },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(5000), "y".repeat(1500)) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !s.includes("`")),
  },
);
const answer = fc.array(piece, { minLength: 1, maxLength: 120 }).map((p) => p.join(""));
/** Split points anywhere, including inside surrogate pairs. */
const chunking = (text: string) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 40 })
    .map((cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const out: string[] = [];
      let from = 0;
      for (const c of sorted) {
        if (c > from && c < text.length) {
          out.push(text.slice(from, c));
          from = c;
        }
      }
      out.push(text.slice(from));
      return out;
    });

/** Faults that leave the outcome known (so exactly-once is provable): 429, 5xx, refused connections, not-modified. */
const fault: fc.Arbitrary<FakeFault | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 5 }).map((s) => ({
      kind: "telegram" as const,
      code: 429,
      description: `Too Many Requests: retry after ${s}`,
      retryAfter: s,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ kind: "telegram" as const, code: 502, description: "Bad Gateway" }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "network" as const }) },
);

const squash = (s: string) => s.replace(/\s+/g, "");

describe("any answer, any chunking, any fault", () => {
  it("persists exactly the source, once, in paced messages that fit, without cursor", async () => {
    await fc.assert(
      fc.asyncProperty(
        answer.chain((text) => fc.tuple(fc.constant(text), chunking(text))),
        fc.array(fault, { minLength: 200, maxLength: 200 }),
        fc.constantFrom(42, -100),
        fc.integer({ min: 0, max: 700 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
        async ([text, parts], faults, chatId, pace, segmentAt) => {
          const tg = new FakeTelegram();
          tg.faultFor = (method, _p, index) => {
            const f = faults[index % faults.length];
            // Not-modified edits are impossible to fake meaningfully here; the fake answers them itself.
            return method === "deleteMessage" ? undefined : f;
          };
          const hub = new StreamHub(tg);
          const consumer = hub.stream(chatId);
          for (const [i, part] of parts.entries()) {
            consumer.delta(part);
            if (segmentAt.includes(i)) consumer.segment();
            await vi.advanceTimersByTimeAsync(pace);
          }
          consumer.done();
          const result = await settle(consumer.result);
          const visible = tg.visibleTexts();
          expect(visible).toEqual(result.messages.map((m) => m.text));
          for (const message of visible) {
            expect(message.length).toBeGreaterThan(0);
            expect(message.length).toBeLessThanOrEqual(4096);
            expect(message.trim()).toBe(message);
            expect(message.endsWith("▉")).toBe(false);
            expect(message.isWellFormed()).toBe(true);
          }
          expect(squash(visible.join(""))).toBe(squash(text.toWellFormed()));
          // Paced: sends and edits at the chat's budget, drafts within 20 per 5 s and 40 per 30 s.
          const sends = tg.callsOf("sendMessage", "editMessageText").map((c) => c.at);
          expect(overflowedWindow(sends, chatId > 0 ? PRIVATE_CHAT : GROUP_CHAT)).toBeUndefined();
          const drafts = tg.callsOf("sendMessageDraft", "sendChatAction").map((c) => c.at);
          expect(overflowedWindow(drafts, DRAFTS)).toBeUndefined();
          // No draft with text outlives the messages that persist it: it would show the answer twice.
          // (A "Thinking…" placeholder may stay when the model ends with nothing after a tool call; Telegram drops it after 30 s.)
          expect(tg.draft?.text ?? "").toBe("");
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
