import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BotBudget } from "../../shared/budget.js";
import { resolveLimits, TELEGRAM_LIMITS } from "../../shared/limits.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Check that `times` never has more than `limit` entries in any window of `windowMs`. */
function withinWindow(times: number[], limit: number, windowMs: number): boolean {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i + limit < sorted.length; i++) {
    if ((sorted[i + limit] ?? 0) - (sorted[i] ?? 0) < windowMs) return false;
  }
  return true;
}

describe("BotBudget", () => {
  it("counts a call in flight as arriving at any moment, so slow replies never bunch past a limit", async () => {
    const budget = new BotBudget({ limits: resolveLimits() });
    const chat = budget.chat(-9, false);
    const first = await budget.acquire(chat, "message", "preview");
    let second = false;
    const next = budget.acquire(chat, "message", "preview").then((slot) => {
      second = true;
      return slot;
    });
    // The first call has no reply yet: however long it takes, the second waits a full second after it.
    await vi.advanceTimersByTimeAsync(5000);
    expect(second).toBe(false);
    first.settle();
    await vi.advanceTimersByTimeAsync(999);
    expect(second).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(second).toBe(true);
    (await next).settle();
  });

  it("keeps every chat and the bot inside every documented window, whatever the demand", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            chat: fc.integer({ min: -3, max: 3 }).filter((c) => c !== 0),
            kind: fc.constantFrom("message" as const, "draft" as const),
            final: fc.boolean(),
            after: fc.integer({ min: 0, max: 400 }),
          }),
          { minLength: 1, maxLength: 150 },
        ),
        async (requests) => {
          const budget = new BotBudget({ limits: resolveLimits() });
          const granted: { chat: number; kind: string; at: number }[] = [];
          const pending: Promise<void>[] = [];
          for (const r of requests) {
            await vi.advanceTimersByTimeAsync(r.after);
            const chat = budget.chat(r.chat, r.chat > 0);
            pending.push(
              budget.acquire(chat, r.kind, r.final ? "final" : "preview").then((slot) => {
                slot.settle();
                granted.push({ chat: r.chat, kind: r.kind, at: Date.now() });
              }),
            );
          }
          while (granted.length < requests.length) await vi.advanceTimersByTimeAsync(1000);
          await Promise.all(pending);
          for (const chatId of new Set(granted.map((g) => g.chat))) {
            const sends = granted
              .filter((g) => g.chat === chatId && g.kind === "message")
              .map((g) => g.at);
            const budgetOf = chatId > 0 ? TELEGRAM_LIMITS.privateChat : TELEGRAM_LIMITS.groupChat;
            for (const w of budgetOf.windows)
              expect(withinWindow(sends, w.limit, w.windowMs)).toBe(true);
            const drafts = granted
              .filter((g) => g.chat === chatId && g.kind === "draft")
              .map((g) => g.at);
            for (const w of TELEGRAM_LIMITS.draft.windows)
              expect(withinWindow(drafts, w.limit, w.windowMs)).toBe(true);
          }
          expect(
            withinWindow(
              granted.map((g) => g.at),
              30,
              1000,
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("makes nobody wait for the first call, and spaces later ones evenly", async () => {
    const budget = new BotBudget({ limits: resolveLimits() });
    const chat = budget.chat(7, true);
    const at: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 5; i++) {
      const p = budget.acquire(chat, "message", "preview").then((slot) => {
        slot.settle();
        at.push(Date.now() - start);
      });
      await vi.advanceTimersByTimeAsync(5000);
      await p;
    }
    expect(at[0]).toBe(0);
    const sequential = new BotBudget({ limits: resolveLimits() });
    const c = sequential.chat(7, true);
    const times: number[] = [];
    const t0 = Date.now();
    const all = Array.from({ length: 5 }, () =>
      sequential.acquire(c, "message", "preview").then((slot) => {
        slot.settle();
        times.push(Date.now() - t0);
      }),
    );
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...gaps)).toBeLessThan(1100);
  });

  /** Grant `count` back-to-back calls of one kind to a chat, each settled at once; returns their times from the start. */
  async function drive(
    budget: BotBudget,
    chatId: number,
    priority: "final" | "preview",
    until: number,
  ): Promise<number[]> {
    const chat = budget.chat(chatId, chatId > 0);
    const t0 = Date.now();
    const times: number[] = [];
    while (Date.now() - t0 < until) {
      const slot = budget.acquire(chat, "message", priority);
      await vi.advanceTimersToNextTimerAsync();
      (await slot).settle();
      times.push(Date.now() - t0);
    }
    return times;
  }

  it("gives a group a burst of updates a second apart, then an even pace that never stalls and settles at 20 per minute", async () => {
    const times = await drive(new BotBudget({ limits: resolveLimits() }), -7, "preview", 240_000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    const { burst, windows } = TELEGRAM_LIMITS.groupChat;
    for (const w of windows) expect(withinWindow(times, w.limit, w.windowMs)).toBe(true);
    // The burst: one call a second.
    for (const gap of gaps.slice(0, burst - 1)) expect(gap).toBeLessThan(1100);
    // Paying the burst back: slower, but never a wait for the minute window to slide.
    expect(Math.max(...gaps)).toBeLessThan(60_000 / (20 - burst) + 200);
    // Once the burst has left the window: the window's own rate, 20 per minute.
    const late = gaps.slice(-20);
    expect(Math.max(...late)).toBeLessThan(3200);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(3000);
  });

  it("paces any burst so it is paid back without stalling, and then uses the whole window", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), async (burst) => {
        const groupChat = { windows: [...TELEGRAM_LIMITS.groupChat.windows], burst };
        const budget = new BotBudget({ limits: resolveLimits({ groupChat }) });
        const times = await drive(budget, -3, "preview", 240_000);
        const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
        for (const w of groupChat.windows)
          expect(withinWindow(times, w.limit, w.windowMs)).toBe(true);
        expect(Math.max(...gaps)).toBeLessThan(61_900 / (20 - burst + 1) + 50);
        expect(Math.max(...gaps.slice(-20))).toBeLessThan(3200);
      }),
      { numRuns: 10 },
    );
  });

  it("does not hold a final for the pace, only for the windows", async () => {
    const budget = new BotBudget({ limits: resolveLimits() });
    const previews = await drive(budget, -8, "preview", 12_000);
    const last = previews.at(-1) ?? 0;
    const gap = last - (previews.at(-2) ?? 0);
    // After the burst a preview waits several seconds for the pace; a final goes after a second.
    expect(gap).toBeGreaterThan(3000);
    const t0 = Date.now();
    const final = await drive(budget, -8, "final", 1);
    expect(Date.now() - t0).toBeLessThan(1100);
    expect(final).toHaveLength(1);
  });

  it("honours a penalty exactly for that chat only, and slows the chat afterwards", async () => {
    const budget = new BotBudget({ limits: resolveLimits() });
    const penalized = budget.chat(1, true);
    const other = budget.chat(2, true);
    budget.penalize(penalized, 5000);
    let penalizedAt = -1;
    let otherAt = -1;
    const t0 = Date.now();
    const a = budget
      .acquire(penalized, "message", "final")
      .then(() => (penalizedAt = Date.now() - t0));
    const b = budget.acquire(other, "message", "final").then(() => (otherAt = Date.now() - t0));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all([a, b]);
    expect(otherAt).toBe(0);
    expect(penalizedAt).toBeGreaterThanOrEqual(5000);
    expect(budget.penaltyRemaining(penalized)).toBe(0);
    expect(penalized.slowdown).toBeGreaterThan(1);
  });

  it("grants a waiting final before waiting previews of the same chat", async () => {
    const budget = new BotBudget({ limits: resolveLimits() });
    const chat = budget.chat(-5, false);
    (await budget.acquire(chat, "message", "preview")).settle();
    const order: string[] = [];
    const preview = budget.acquire(chat, "message", "preview").then((slot) => {
      slot.settle();
      order.push("preview");
    });
    const final = budget.acquire(chat, "message", "final").then((slot) => {
      slot.settle();
      order.push("final");
    });
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all([preview, final]);
    expect(order).toEqual(["final", "preview"]);
  });

  it("stops waiting when the signal aborts", async () => {
    const budget = new BotBudget({ limits: resolveLimits() });
    const chat = budget.chat(-5, false);
    (await budget.acquire(chat, "message", "preview")).settle();
    const controller = new AbortController();
    const waiting = budget.acquire(chat, "message", "preview", controller.signal);
    controller.abort(new Error("no longer needed"));
    await expect(waiting).rejects.toThrow("no longer needed");
    expect(budget.waiting).toBe(0);
  });

  it("rejects invalid limits and time scales when created", () => {
    expect(() => resolveLimits({ draft: { windows: [], burst: 1 } })).toThrow(RangeError);
    expect(() =>
      resolveLimits({ global: { windows: [{ limit: 30, windowMs: 0 }], burst: 1 } }),
    ).toThrow(RangeError);
    expect(() => new BotBudget({ limits: resolveLimits(), timeScale: 0 })).toThrow(RangeError);
    // A burst over half the longest window would come back each time it leaves the window.
    expect(() =>
      resolveLimits({ groupChat: { windows: [{ limit: 20, windowMs: 60_000 }], burst: 11 } }),
    ).toThrow(/from 1 to 10/);
  });
});
