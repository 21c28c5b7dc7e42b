/**
 * The demo's scripted model: it must say exactly its script, at a model's
 * pace, and stop when told.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DemoScript,
  defaultScript,
  playScript,
  scriptParts,
} from "../../examples/demo/script.js";
import type { StreamEvent } from "../../shared/index.js";
import { seededRandom } from "../bench/producer.js";

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** The parts between segments, as a stream consumer sees them. */
function partsOf(events: StreamEvent[]): string[] {
  const parts = [""];
  for (const event of events) {
    if (event.type === "segment") parts.push("");
    else if (event.type === "delta") parts[parts.length - 1] += event.text;
  }
  return parts.filter((p) => p.length > 0);
}

const step = fc.oneof(
  fc.record({ say: fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }) }),
  fc.record({ toolCall: fc.constantFrom("search", "calc"), ms: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ pause: fc.integer({ min: 0, max: 20 }) }),
);

describe("playScript", () => {
  it("says every part of any script exactly, a segment per tool call, never splitting a surrogate pair", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 8 }), fc.integer(), async (steps, seed) => {
        const script: DemoScript = { steps, charsPerSecond: [50_000, 100_000] };
        const events = await collect(
          playScript(script, { timeScale: 0.01, random: seededRandom(seed) }),
        );
        expect(partsOf(events)).toEqual(scriptParts(script));
        expect(events.filter((e) => e.type === "segment")).toHaveLength(
          steps.filter((s) => "toolCall" in s).length,
        );
        for (const event of events) {
          if (event.type !== "delta") continue;
          expect(event.text.length).toBeGreaterThanOrEqual(1);
          expect(event.text.isWellFormed()).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("paces the default answer at 60-100 characters per second", async () => {
    const script = defaultScript();
    const started = performance.now();
    const events = await collect(playScript(script, { timeScale: 0.02 }));
    const seconds = (performance.now() - started) / 1000 / 0.02;
    const chars = scriptParts(script).join("").length;
    expect(chars).toBeGreaterThan(4096);
    // Pauses (0.8 s) and the tool call (1.5 s) come on top of the typing time.
    expect(seconds).toBeGreaterThan(chars / 100 + 2.3);
    // Timers run late, never early: allow for a busy machine on the upper side only.
    expect(seconds).toBeLessThan((chars / 60 + 2.3) * 2);
    expect(events.filter((e) => e.type === "segment")).toHaveLength(1);
  });

  it("ends early, without an error, when the signal aborts", async () => {
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (const event of playScript(defaultScript(), {
      timeScale: 0.01,
      signal: controller.signal,
    })) {
      events.push(event);
      if (events.length === 20) controller.abort();
    }
    expect(events).toHaveLength(20);
  });

  it("rejects a speed range or time scale that makes no sense", async () => {
    await expect(collect(playScript({ steps: [], charsPerSecond: [0, 10] }))).rejects.toThrow(
      RangeError,
    );
    await expect(collect(playScript({ steps: [], charsPerSecond: [20, 10] }))).rejects.toThrow(
      RangeError,
    );
    await expect(collect(playScript({ steps: [] }, { timeScale: 0 }))).rejects.toThrow(RangeError);
  });
});
