/** The pacing of a node's status: at most one per interval, the latest always shown in the end. */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { NodeStatus } from "../../node-red-node/red.js";
import { STATUS_INTERVAL_MS, StatusThrottle } from "../../node-red-node/status-throttle.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function recorder(intervalMs?: number) {
  const shown: Array<{ at: number; status: NodeStatus }> = [];
  const throttle = new StatusThrottle({
    ...(intervalMs === undefined ? {} : { intervalMs }),
    show: (status) => shown.push({ at: Date.now(), status }),
  });
  return { shown, throttle };
}

const streaming = (n: number): NodeStatus => ({
  fill: "blue",
  shape: "dot",
  text: `${n} streaming`,
});

describe("StatusThrottle", () => {
  it("shows a first status at once, and a burst's last status one interval later", () => {
    const { shown, throttle } = recorder();
    throttle.update(streaming(1));
    expect(shown.map((s) => s.status)).toEqual([streaming(1)]);
    for (let n = 2; n <= 100; n++) throttle.update(streaming(n));
    expect(shown).toHaveLength(1);
    vi.advanceTimersByTime(STATUS_INTERVAL_MS - 1);
    expect(shown).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(shown.map((s) => s.status)).toEqual([streaming(1), streaming(100)]);
    vi.advanceTimersByTime(10 * STATUS_INTERVAL_MS);
    expect(shown).toHaveLength(2);
  });

  it("does not redraw what is shown, and does not let a waiting status overwrite it", () => {
    const { shown, throttle } = recorder(100);
    throttle.update(streaming(1));
    throttle.update(streaming(2));
    throttle.update(streaming(1));
    vi.advanceTimersByTime(500);
    expect(shown.map((s) => s.status)).toEqual([streaming(1)]);
  });

  it("shows nothing after stop", () => {
    const { shown, throttle } = recorder(100);
    throttle.update(streaming(1));
    throttle.update(streaming(2));
    throttle.stop();
    throttle.update(streaming(3));
    vi.advanceTimersByTime(500);
    expect(shown.map((s) => s.status)).toEqual([streaming(1)]);
  });

  it("refuses an interval that is not a positive number of milliseconds", () => {
    for (const intervalMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new StatusThrottle({ intervalMs, show: () => {} })).toThrow(
        /intervalMs must be a number of milliseconds above 0/,
      );
    }
  });

  it("for any sequence of updates: statuses an interval apart, no repeats, the latest shown within an interval", () => {
    const interval = 250;
    const step = fc.record({
      // Gaps from a flood (0 ms) to pauses longer than the interval.
      gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 600 })),
      // Few distinct statuses, so that repeats of the shown one happen often.
      n: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 200 }), (steps) => {
        vi.setSystemTime(0);
        const { shown, throttle } = recorder(interval);
        let last: NodeStatus | undefined;
        for (const { gap, n } of steps) {
          vi.advanceTimersByTime(gap);
          last = streaming(n);
          throttle.update(last);
          // Whatever was asked last is on screen, or will be within one interval.
          const pendingUntil = (shown.at(-1)?.at ?? 0) + interval;
          expect(
            JSON.stringify(shown.at(-1)?.status) === JSON.stringify(last) ||
              Date.now() <= pendingUntil,
          ).toBe(true);
        }
        vi.advanceTimersByTime(interval);
        expect(shown.at(-1)?.status).toEqual(last);
        for (let i = 1; i < shown.length; i++) {
          const [before, after] = [shown[i - 1], shown[i]];
          expect((after?.at ?? 0) - (before?.at ?? 0)).toBeGreaterThanOrEqual(interval);
          expect(after?.status).not.toEqual(before?.status);
        }
        vi.clearAllTimers();
      }),
      { numRuns: 300 },
    );
  });
});
