/**
 * The bench's own arithmetic: the answers it plays, what it counts as seen,
 * lost and repeated, and the bound it compares against.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChatTimeline } from "../emulator/index.js";
import { DEFAULT_EMULATOR_LIMITS } from "../emulator/index.js";
import { callsAllowed, rateBound } from "./bound.js";
import { planAnswer, proseText, seededRandom } from "./producer.js";
import {
  checkDelivery,
  countable,
  emissionTimes,
  firstVisibleTimes,
  mean,
  quantile,
  visibleLags,
} from "./visibility.js";

const spec = fc.record({
  size: fc.integer({ min: 1, max: 4000 }),
  charsPerSecond: fc.integer({ min: 10, max: 1000 }),
  toolCalls: fc.integer({ min: 0, max: 3 }),
  silenceMs: fc.integer({ min: 0, max: 5000 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
});

describe("planAnswer", () => {
  it("plays exactly the answer's text, in order, in pieces of 1-7 characters, never going back in time", () => {
    fc.assert(
      fc.property(spec, (s) => {
        const plan = planAnswer(s);
        expect(plan.text).toHaveLength(s.size);
        expect(plan.parts.join("")).toBe(plan.text);
        const deltas = plan.events.flatMap((e) => (e.event.type === "delta" ? [e.event.text] : []));
        expect(deltas.join("")).toBe(plan.text);
        for (const d of deltas) expect(d.length).toBeGreaterThanOrEqual(1);
        for (const d of deltas) expect(d.length).toBeLessThanOrEqual(7);
        expect(plan.events.filter((e) => e.event.type === "segment")).toHaveLength(s.toolCalls);
        for (let i = 1; i < plan.events.length; i++) {
          expect(plan.events[i]?.at).toBeGreaterThanOrEqual(plan.events[i - 1]?.at ?? 0);
        }
        expect(plan.events[0]?.at ?? s.silenceMs).toBeGreaterThanOrEqual(s.silenceMs);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the mean speed it was asked for", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 800 }),
        fc.integer({ min: 0, max: 1000 }),
        (speed, seed) => {
          const plan = planAnswer({ size: 3000, charsPerSecond: speed, seed });
          const actual = plan.text.length / (plan.durationMs / 1000);
          expect(actual).toBeGreaterThan(speed * 0.85);
          expect(actual).toBeLessThan(speed * 1.15);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("plays the same answer for the same seed, a different one for another", () => {
    const a = planAnswer({ size: 500, charsPerSecond: 100, seed: 7 });
    expect(planAnswer({ size: 500, charsPerSecond: 100, seed: 7 })).toEqual(a);
    expect(planAnswer({ size: 500, charsPerSecond: 100, seed: 8 }).text).not.toBe(a.text);
  });

  it("rejects a speed, size or tool call count that makes no sense", () => {
    expect(() => planAnswer({ size: 100, charsPerSecond: 0, seed: 1 })).toThrow(RangeError);
    expect(() => planAnswer({ size: 0, charsPerSecond: 10, seed: 1 })).toThrow(RangeError);
    expect(() => planAnswer({ size: 100, charsPerSecond: 10, toolCalls: -1, seed: 1 })).toThrow(
      RangeError,
    );
  });
});

describe("proseText", () => {
  it("is plain prose of exactly the size asked, with nothing Markdown would change, not ending in a space", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer(), (size, seed) => {
        const text = proseText(size, seededRandom(seed));
        expect(text).toHaveLength(size);
        expect(text).toMatch(/^[A-Za-z ,.\n]*$/);
        expect(text).not.toMatch(/\s$/);
      }),
      { numRuns: 100 },
    );
  });
});

/** A timeline of one chat from plain descriptions. */
function timeline(
  messages: { id: number; versions: [number, string][] }[],
  drafts: { id: number; versions: [number, string][]; vanishedAt?: number }[] = [],
): ChatTimeline {
  return {
    chatId: 1,
    messages: messages.map((m) => ({
      messageId: m.id,
      versions: m.versions.map(([at, text]) => ({ at, text, entities: [] })),
    })),
    drafts: drafts.map((d) => ({
      draftId: d.id,
      canStop: false,
      versions: d.versions.map(([at, text]) => ({ at, text, entities: [] })),
      ...(d.vanishedAt === undefined ? {} : { vanishedAt: d.vanishedAt }),
    })),
  };
}

describe("firstVisibleTimes", () => {
  it("gives each character the time of the first version that showed it, drafts and messages alike", () => {
    const expected = countable("Hello world, again");
    const seen = firstVisibleTimes(
      expected,
      timeline(
        [{ id: 1, versions: [[30, "Hello world,"]] }],
        [
          {
            id: 5,
            versions: [
              [10, "Hel ▉"],
              [20, "Hello wo ▉"],
            ],
            vanishedAt: 30,
          },
          {
            id: 6,
            versions: [
              [40, "ag ▉"],
              [50, "again"],
            ],
          },
        ],
      ),
    );
    expect(Array.from(seen)).toEqual([
      10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30, 40, 40, 50, 50, 50,
    ]);
  });

  it("counts nothing after a wrong character until a version is right again", () => {
    const expected = countable("abcdef");
    const seen = firstVisibleTimes(
      expected,
      timeline([
        {
          id: 1,
          versions: [
            [10, "abXdef"],
            [20, "abcdef"],
          ],
        },
        { id: 2, versions: [[15, "zzz"]] },
      ]),
    );
    expect(Array.from(seen)).toEqual([10, 10, 20, 20, 20, 20]);
  });

  it("leaves characters nobody saw as NaN, and measures lag only for the seen ones", () => {
    const expected = countable("abcd");
    const seen = firstVisibleTimes(expected, timeline([{ id: 1, versions: [[100, "ab"]] }]));
    expect(Number.isNaN(seen[2])).toBe(true);
    const emitted = emissionTimes([
      { at: 40, text: "a " },
      { at: 60, text: "bcd" },
    ]);
    expect(Array.from(emitted)).toEqual([40, 60, 60, 60]);
    expect(visibleLags(seen, emitted)).toEqual([60, 40]);
  });

  it("ignores messages before the answer's window", () => {
    const seen = firstVisibleTimes(
      "ab",
      timeline([
        { id: 1, versions: [[5, "ab"]] },
        { id: 2, versions: [[50, "ab"]] },
      ]),
      { fromMessageId: 2 },
    );
    expect(Array.from(seen)).toEqual([50, 50]);
  });
});

/** Cut `text` into `count` trimmed messages of roughly equal length (each cut moved by up to 20%), as a streamer splits. */
function splitInto(text: string, count: number, jitter: number[]): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= count; i++) {
    const end =
      i === count ? text.length : Math.floor((text.length * (i + 0.2 * (jitter[i] ?? 0))) / count);
    out.push(text.slice(start, end).trim());
    start = end;
  }
  return out.filter((m) => m.length > 0);
}

describe("checkDelivery", () => {
  const answer = fc
    .integer({ min: 0, max: 10_000 })
    .map((seed) => proseText(1500, seededRandom(seed)));
  const count = fc.integer({ min: 1, max: 6 });
  const jitter = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
    minLength: 7,
    maxLength: 7,
  });

  it("finds nothing lost or repeated however the answer was split", () => {
    fc.assert(
      fc.property(answer, count, jitter, (text, n, j) => {
        expect(checkDelivery(text, splitInto(text, n, j))).toEqual({
          lost: 0,
          duplicated: 0,
          cursorLeft: 0,
        });
      }),
    );
  });

  it("counts a missing message as lost and a repeated one as duplicated", () => {
    fc.assert(
      fc.property(answer, count, jitter, fc.nat(), (text, n, j, pick) => {
        const messages = splitInto(text, n, j);
        const index = pick % messages.length;
        const message = messages[index] as string;
        const without = messages.filter((_, i) => i !== index);
        expect(checkDelivery(text, without)).toEqual({
          lost: countable(message).length,
          duplicated: 0,
          cursorLeft: 0,
        });
        const twice = [...messages.slice(0, index + 1), message, ...messages.slice(index + 1)];
        expect(checkDelivery(text, twice)).toEqual({
          lost: 0,
          duplicated: countable(message).length,
          cursorLeft: 0,
        });
      }),
    );
  });

  it("notices a cursor left at the end of a finished message", () => {
    expect(checkDelivery("one two", ["one two ▉"]).cursorLeft).toBe(1);
  });
});

describe("mean and quantile", () => {
  it("are the textbook ones", () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(Number.isNaN(mean([]))).toBe(true);
    expect(() => quantile([1], 2)).toThrow(RangeError);
  });
});

describe("rateBound", () => {
  it("spreads the calls a chat's windows allow evenly over the answer", () => {
    // Drafts: 20 per 5 s and 40 per 30 s. A 10 s answer gets 40 updates: one per 250 ms.
    expect(rateBound(DEFAULT_EMULATOR_LIMITS, "private", 1, 10_000).meanLagMs).toBe(125);
    // A 400 s answer: 40 per 30 s wins, 560 updates.
    expect(rateBound(DEFAULT_EMULATOR_LIMITS, "private", 1, 400_000).intervalMs).toBeCloseTo(
      400_000 / 560,
    );
    // Groups: 3 per 2 s and 20 per minute; a minute-long answer gets 20.
    expect(rateBound(DEFAULT_EMULATOR_LIMITS, "group", 1, 60_000).meanLagMs).toBe(1500);
  });

  it("shares the bot's 30 calls per second between its chats", () => {
    expect(rateBound(DEFAULT_EMULATOR_LIMITS, "private", 100, 10_000).intervalMs).toBeCloseTo(
      10_000 / 3,
    );
    expect(callsAllowed(DEFAULT_EMULATOR_LIMITS.global, 10_000)).toBe(300);
  });

  it("scales with the emulator's time scale", () => {
    expect(rateBound(DEFAULT_EMULATOR_LIMITS, "private", 1, 500, 0.05).meanLagMs).toBe(6.25);
  });

  it("rejects an empty duration or a chat count below one", () => {
    expect(() => rateBound(DEFAULT_EMULATOR_LIMITS, "private", 1, 0)).toThrow(RangeError);
    expect(() => rateBound(DEFAULT_EMULATOR_LIMITS, "private", 0, 1000)).toThrow(RangeError);
  });
});
