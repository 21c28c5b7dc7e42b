/**
 * The budget's state after 100,000 distinct chats: how many chats it still
 * remembers and the heap it holds, against a budget that has seen none.
 *
 *   node --expose-gc --import tsx test/bench/budget-state.ts
 *
 * Time runs on a manual clock at Telegram's limits (scaled 100x faster so
 * the run takes seconds): one call per chat, every 100th chat penalised, then
 * the same after an hour with a little traffic.
 */
import { BotBudget, type Clock } from "../../shared/budget.js";
import { StreamHub } from "../../shared/hub.js";
import { resolveLimits } from "../../shared/limits.js";

const CHATS = 100_000;

function heapMb(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function main(): Promise<void> {
  if (!globalThis.gc) console.warn("run with node --expose-gc for exact heap figures");
  let now = 0;
  let due: { at: number; fn: () => void } | undefined;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      due = { at: now + ms, fn };
      return due;
    },
    clearTimeout: (handle) => {
      if (due === handle) due = undefined;
    },
  };
  const hub = new StreamHub({ call: () => Promise.reject(new Error("no calls")) }, { clock });
  const budget = new BotBudget({ limits: resolveLimits(), clock, timeScale: 0.01 });
  const before = heapMb();
  let most = 0;
  for (let i = 1; i <= CHATS; i++) {
    const id = i % 2 === 0 ? i : -i;
    const chat = budget.chat(id, id > 0);
    let granted = false;
    const slot = budget.acquire(chat, i % 3 === 0 ? "draft" : "message", "preview");
    slot.then(() => (granted = true));
    await Promise.resolve();
    while (!granted) {
      const timer = due;
      due = undefined;
      if (timer) {
        now = Math.max(now, timer.at);
        timer.fn();
      } else now += 1;
      await Promise.resolve();
    }
    (await slot).settle();
    if (i % 100 === 0) budget.penalize(chat, 1000);
    budget.release(chat);
    hub.rememberNoDrafts(id);
    most = Math.max(most, budget.chatCount);
  }
  const after = heapMb();
  console.log(
    `${CHATS.toLocaleString("en")} chats: at most ${most} chat budgets at once, ${budget.chatCount} at the end; ` +
      `heap +${(after - before).toFixed(1)} MB (budget and the hub's no-drafts memory of 10,000 chats)`,
  );
}

await main();
