/**
 * The budget's lifetime and its bounded state: one chat never gets two
 * budgets, however its streams start, stall and restart while hundreds of
 * other chats come and go; and a bot that has talked to 100,000 chats keeps
 * only the recent ones.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BotBudget, type Clock } from "../../shared/budget.js";
import { StreamHub } from "../../shared/hub.js";
import { resolveLimits, TELEGRAM_LIMITS } from "../../shared/limits.js";

/** A clock that moves only when told: timers run in time order, promises settle between them. */
class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Move time forward by `ms`, running every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
      await settled();
    }
    this.t = end;
    await settled();
  }
}

function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether `times` never has more than `limit` entries in any window of `windowMs`. */
function withinWindow(times: number[], limit: number, windowMs: number): boolean {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i + limit < sorted.length; i++) {
    if ((sorted[i + limit] ?? 0) - (sorted[i] ?? 0) < windowMs) return false;
  }
  return true;
}

describe("a chat's budget lives as long as anyone uses it", () => {
  it("never exceeds a window of one group, however its streams stall and restart while hundreds of chats churn", async () => {
    const stream = fc.record({
      startAt: fc.integer({ min: 0, max: 240_000 }),
      kind: fc.constantFrom("message" as const, "draft" as const),
      // Runs of calls as fast as granted, each followed by a stall (often past the minute window).
      runs: fc.array(
        fc.record({
          calls: fc.integer({ min: 1, max: 25 }),
          final: fc.boolean(),
          stallMs: fc.oneof(
            fc.integer({ min: 0, max: 5000 }),
            fc.integer({ min: 60_000, max: 150_000 }),
          ),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(stream, { minLength: 2, maxLength: 5 }), async (streams) => {
        const clock = new ManualClock();
        const budget = new BotBudget({ limits: resolveLimits(), clock });
        const granted: { kind: string; at: number }[] = [];
        let most = 0;
        let churning = true;
        // Other groups, one new chat every 100 ms, each making one call: always over 256 in the map.
        const churn = (async () => {
          for (let i = 1; churning; i++) {
            const chat = budget.chat(-1_000_000 - i, false);
            budget.acquire(chat, "message", "preview").then((slot) => {
              slot.settle();
              budget.release(chat);
            });
            most = Math.max(most, budget.chatCount);
            await clock.sleep(100);
          }
        })();
        const runs = streams.map(async (plan) => {
          await clock.sleep(plan.startAt);
          const chat = budget.chat(-42, false);
          for (const run of plan.runs) {
            for (let i = 0; i < run.calls; i++) {
              const slot = await budget.acquire(chat, plan.kind, run.final ? "final" : "preview");
              granted.push({ kind: plan.kind, at: clock.now() });
              await clock.sleep(30);
              slot.settle();
              budget.succeeded(chat);
            }
            await clock.sleep(run.stallMs);
          }
          budget.release(chat);
        });
        let done = false;
        const all = Promise.all(runs).then(() => {
          done = true;
        });
        while (!done) await clock.advance(1000);
        await all;
        churning = false;
        await clock.advance(200);
        await churn;
        expect(most).toBeGreaterThan(256);
        const messages = granted.filter((g) => g.kind === "message").map((g) => g.at);
        for (const w of TELEGRAM_LIMITS.groupChat.windows)
          expect(withinWindow(messages, w.limit, w.windowMs)).toBe(true);
        const drafts = granted.filter((g) => g.kind === "draft").map((g) => g.at);
        for (const w of TELEGRAM_LIMITS.draft.windows)
          expect(withinWindow(drafts, w.limit, w.windowMs)).toBe(true);
      }),
      { numRuns: 20 },
    );
  }, 120_000);

  it("gives a stream that kept its budget past a sweep the same budget as the next stream", async () => {
    const clock = new ManualClock();
    const budget = new BotBudget({ limits: resolveLimits(), clock });
    const first = budget.chat(-42, false);
    (await budget.acquire(first, "message", "preview")).settle();
    // The stream stalls for two minutes while 600 other groups make a call each.
    for (let i = 0; i < 600; i++) {
      const chat = budget.chat(-1000 - i, false);
      const slot = budget.acquire(chat, "message", "preview");
      await clock.advance(200);
      (await slot).settle();
      budget.release(chat);
    }
    expect(budget.chatCount).toBeLessThan(600);
    const second = budget.chat(-42, false);
    expect(second).toBe(first);
    budget.release(first);
    budget.release(second);
  });

  it("sees every penalised chat for the bot-wide rule, also those swept in between", async () => {
    const clock = new ManualClock();
    const budget = new BotBudget({ limits: resolveLimits(), clock });
    const a = budget.chat(1, true);
    budget.penalize(a, 10_000);
    budget.release(a);
    for (let i = 0; i < 600; i++) budget.release(budget.chat(-1000 - i, false));
    const b = budget.chat(2, true);
    budget.penalize(b, 1000);
    // Two chats penalised at once: every chat waits for the longer penalty.
    const c = budget.chat(3, true);
    expect(budget.penaltyRemaining(c)).toBeGreaterThan(9000);
  });
});

describe("per-bot state stays bounded", () => {
  it("keeps a few hundred chats after 100,000 distinct ones, penalised ones included", async () => {
    const clock = new ManualClock();
    // 100x faster: the same counts, in less simulated time.
    const budget = new BotBudget({ limits: resolveLimits(), clock, timeScale: 0.01 });
    let most = 0;
    for (let i = 1; i <= 100_000; i++) {
      const id = i % 2 === 0 ? i : -i;
      const chat = budget.chat(id, id > 0);
      const slot = budget.acquire(chat, i % 3 === 0 ? "draft" : "message", "preview");
      let granted = false;
      slot.then(() => {
        granted = true;
      });
      await Promise.resolve();
      while (!granted) await clock.advance(1);
      (await slot).settle();
      if (i % 100 === 0) budget.penalize(chat, 1000);
      budget.release(chat);
      most = Math.max(most, budget.chatCount);
    }
    // At most the chats of the last minute (scaled) and of the last penalty memory, plus a sweep's slack.
    expect(most).toBeLessThan(1500);
    // An hour later (scaled), a little traffic sweeps the rest.
    await clock.advance(36_000);
    for (let i = 0; i < 400; i++) {
      const chat = budget.chat(7, true);
      budget.release(chat);
    }
    expect(budget.chatCount).toBeLessThanOrEqual(257);
  }, 120_000);

  it("forgets chats that refused drafts after an hour, and holds at most 10,000", () => {
    const clock = new ManualClock();
    const hub = new StreamHub({ call: () => Promise.reject(new Error("no calls")) }, { clock });
    for (let i = 1; i <= 100_000; i++) hub.rememberNoDrafts(i);
    expect(hub.draftsUnsupported(100_000)).toBe(true);
    expect(hub.draftsUnsupported(1)).toBe(false);
    // The size through the public surface: count the remembered ones.
    let remembered = 0;
    for (let i = 1; i <= 100_000; i++) if (hub.draftsUnsupported(i)) remembered++;
    expect(remembered).toBe(10_000);
    void clock.advance(60 * 60_000 + 1);
    expect(hub.draftsUnsupported(100_000)).toBe(false);
  });
});
