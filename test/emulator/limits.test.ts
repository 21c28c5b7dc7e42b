import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Admission,
  DEFAULT_EMULATOR_LIMITS,
  RateLimiter,
  resolveEmulatorOptions,
} from "./limits.js";
import type { EmulatorLimits, RateWindow } from "./types.js";

/** Limits where only the private-chat windows matter. */
function privateOnly(windows: RateWindow[]): EmulatorLimits {
  return {
    ...DEFAULT_EMULATOR_LIMITS,
    privateChat: windows,
    global: [{ limit: 1e9, windowMs: 1 }],
  };
}

const chat = [{ kind: "privateChat" as const, chatId: 1 }];

function refused(verdict: Admission): number {
  if (verdict.admitted) throw new Error("expected a refusal");
  return verdict.retryAfter;
}

describe("RateLimiter", () => {
  it("admits up to the limit, then refuses with the whole seconds until a slot frees", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 3, windowMs: 2000 }]), 1);
    expect(limiter.admit("bot", chat, 0).admitted).toBe(true);
    expect(limiter.admit("bot", chat, 100).admitted).toBe(true);
    expect(limiter.admit("bot", chat, 200).admitted).toBe(true);
    // The first slot frees at 2000 ms: 1.7 s away, reported as 2.
    expect(refused(limiter.admit("bot", chat, 300))).toBe(2);
  });

  it("reports at least 1 second even when the slot frees sooner", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 1, windowMs: 100 }]), 1);
    limiter.admit("bot", chat, 0);
    expect(refused(limiter.admit("bot", chat, 50))).toBe(1);
  });

  it("refuses a client that retries even 1 ms before the announced penalty ends", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 3, windowMs: 2000 }]), 1);
    for (const t of [0, 10, 20]) limiter.admit("bot", chat, t);
    const retryAfter = refused(limiter.admit("bot", chat, 30));
    expect(refused(limiter.admit("bot", chat, 30 + retryAfter * 1000 - 1))).toBeGreaterThan(0);
  });

  it("admits the first call made once retry_after has passed", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 3, windowMs: 2000 }]), 1);
    for (const t of [0, 10, 20]) limiter.admit("bot", chat, t);
    const retryAfter = refused(limiter.admit("bot", chat, 30));
    expect(limiter.admit("bot", chat, 30 + retryAfter * 1000).admitted).toBe(true);
  });

  it("lengthens the penalty by the time served for every call made during it", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 1, windowMs: 1000 }]), 1);
    limiter.admit("bot", chat, 0);
    expect(refused(limiter.admit("bot", chat, 500))).toBe(1); // penalty 500..1500
    // At 1400, 900 ms served: the end moves to 2400, 1 s away.
    expect(refused(limiter.admit("bot", chat, 1400))).toBe(1);
    // At 2300, 1800 ms served: the end moves to 4200.
    expect(refused(limiter.admit("bot", chat, 2300))).toBe(2);
    expect(refused(limiter.admit("bot", chat, 4100))).toBe(4); // end 7800
    expect(limiter.admit("bot", chat, 7799).admitted).toBe(false);
  });

  it("does not count refused calls against the window", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 2, windowMs: 1000 }]), 1);
    limiter.admit("bot", chat, 0);
    limiter.admit("bot", chat, 0);
    const retryAfter = refused(limiter.admit("bot", chat, 10));
    // Had the refusal taken a slot, the window would still be full at 1010.
    expect(limiter.admit("bot", chat, 10 + retryAfter * 1000).admitted).toBe(true);
    expect(limiter.admit("bot", chat, 10 + retryAfter * 1000).admitted).toBe(true);
  });

  it("keeps separate budgets per bot and per chat", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 1, windowMs: 1000 }]), 1);
    expect(limiter.admit("bot-a", chat, 0).admitted).toBe(true);
    expect(limiter.admit("bot-b", chat, 0).admitted).toBe(true);
    expect(limiter.admit("bot-a", [{ kind: "privateChat", chatId: 2 }], 0).admitted).toBe(true);
    expect(limiter.admit("bot-a", chat, 0).admitted).toBe(false);
  });

  it("admits a call only if every bucket it counts against has room, taking no slot otherwise", () => {
    const limits = { ...DEFAULT_EMULATOR_LIMITS, global: [{ limit: 2, windowMs: 1000 }] };
    const limiter = new RateLimiter(limits, 1);
    const both = (chatId: number) => [
      { kind: "privateChat" as const, chatId },
      { kind: "global" as const },
    ];
    expect(limiter.admit("bot", both(1), 0).admitted).toBe(true);
    expect(limiter.admit("bot", both(2), 0).admitted).toBe(true);
    expect(limiter.admit("bot", both(3), 0).admitted).toBe(false);
    // Chat 3 took no slot: after the global penalty it still has its full budget of 3.
    for (const t of [1000, 1000]) expect(limiter.admit("bot", both(3), t).admitted).toBe(true);
  });

  it("scales windows and penalties by timeScale but reports unscaled seconds", () => {
    const limiter = new RateLimiter(privateOnly([{ limit: 1, windowMs: 3000 }]), 0.01);
    limiter.admit("bot", chat, 0);
    expect(refused(limiter.admit("bot", chat, 1))).toBe(3); // (30 ms - 1 ms) / 10 ms → 3
    expect(limiter.admit("bot", chat, 31).admitted).toBe(true);
  });

  const windowsArb = fc.array(
    fc.record({
      limit: fc.integer({ min: 1, max: 5 }),
      windowMs: fc.integer({ min: 10, max: 500 }),
    }),
    { minLength: 1, maxLength: 3 },
  );
  const arrivalsArb = fc
    .array(fc.integer({ min: 0, max: 2000 }), { maxLength: 60 })
    .map((ts) => ts.sort((a, b) => a - b));

  it("never admits more than a window's limit within that window, whatever the arrivals", () => {
    fc.assert(
      fc.property(windowsArb, arrivalsArb, (windows, arrivals) => {
        const limiter = new RateLimiter(privateOnly(windows), 1);
        const admitted = arrivals.filter((t) => limiter.admit("bot", chat, t).admitted);
        for (const { limit, windowMs } of windows) {
          for (const t of admitted) {
            expect(admitted.filter((u) => u > t - windowMs && u <= t).length).toBeLessThanOrEqual(
              limit,
            );
          }
        }
      }),
    );
  });

  it("always admits a client that waits exactly the retry_after it was told", () => {
    fc.assert(
      fc.property(
        windowsArb,
        arrivalsArb,
        fc.constantFrom(1, 0.1, 0.02),
        (windows, arrivals, scale) => {
          const limiter = new RateLimiter(privateOnly(windows), scale);
          let now = 0;
          for (const t of arrivals) {
            now = Math.max(now, t * scale);
            const verdict = limiter.admit("bot", chat, now);
            if (!verdict.admitted) {
              now += verdict.retryAfter * 1000 * scale;
              expect(limiter.admit("bot", chat, now).admitted).toBe(true);
            }
          }
        },
      ),
    );
  });

  it("never shortens a running penalty, however the client hammers", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        (gaps) => {
          const limiter = new RateLimiter(privateOnly([{ limit: 1, windowMs: 1000 }]), 1);
          limiter.admit("bot", chat, 0);
          let now = 1;
          let end = now + refused(limiter.admit("bot", chat, now)) * 1000;
          for (const gap of gaps) {
            now += gap;
            const verdict = limiter.admit("bot", chat, now);
            if (now >= end) break;
            const newEnd = now + refused(verdict) * 1000;
            // Whole seconds round up, so compare against the previous announced end.
            expect(newEnd).toBeGreaterThanOrEqual(end);
            end = newEnd;
          }
        },
      ),
    );
  });
});

describe("resolveEmulatorOptions", () => {
  it("fills in the documented defaults", () => {
    const { limits, timeScale, unlimited } = resolveEmulatorOptions();
    expect(limits.privateChat).toEqual([
      { limit: 3, windowMs: 2000 },
      { limit: 22, windowMs: 20_000 },
    ]);
    expect(limits.groupChat).toEqual([
      { limit: 3, windowMs: 2000 },
      { limit: 20, windowMs: 60_000 },
    ]);
    expect(limits.global).toEqual([{ limit: 30, windowMs: 1000 }]);
    expect(limits.draft).toEqual([
      { limit: 20, windowMs: 5000 },
      { limit: 40, windowMs: 30_000 },
    ]);
    expect(limits.draftTtlMs).toBe(30_000);
    expect(limits.maxTextLength).toBe(4096);
    expect(timeScale).toBe(1);
    expect(unlimited).toBe(false);
  });

  it("rejects bad options with errors naming them", () => {
    expect(() => resolveEmulatorOptions({ timeScale: 0 })).toThrow(/timeScale/);
    expect(() => resolveEmulatorOptions({ timeScale: 0 })).toThrow(RangeError);
    expect(() =>
      resolveEmulatorOptions({ limits: { global: [{ limit: 0, windowMs: 1 }] } }),
    ).toThrow(/limits\.global\[0\]\.limit/);
    expect(() =>
      resolveEmulatorOptions({ limits: { draft: [{ limit: 1, windowMs: -5 }] } }),
    ).toThrow(/limits\.draft\[0\]\.windowMs/);
    expect(() =>
      resolveEmulatorOptions({ limits: { privateChat: "fast" as unknown as RateWindow[] } }),
    ).toThrow(TypeError);
    expect(() => resolveEmulatorOptions({ limits: { maxTextLength: 1.5 } })).toThrow(
      /maxTextLength/,
    );
    expect(() => resolveEmulatorOptions({ limits: { draftTtlMs: 0 } })).toThrow(/draftTtlMs/);
  });
});
