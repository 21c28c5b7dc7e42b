/**
 * The Redis script paces exactly like the local budget: for any history of
 * calls (bursts, pauses, slow replies, finals among previews), the time the
 * script reserves is the time `RateBucket.availableAt` gives, to the
 * microsecond. The script is run with its clock set by the test.
 */
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JITTER_MARGIN, JITTER_MS, RateBucket } from "../../shared/budget/history.js";
import { RESERVE_SCRIPT } from "../../shared/budget/redis-scripts.js";
import { type RateBudget, TELEGRAM_LIMITS } from "../../shared/limits.js";
import { runScript } from "../../shared/redis/connection.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

/** A bot budget so large it never holds a call: only the chat's budget decides. */
const UNLIMITED: RateBudget = { windows: [{ limit: 1000, windowMs: 1 }], burst: 1 };
const spec = (budget: RateBudget) =>
  budget.windows.map((w) => `${w.limit}:${w.windowMs}`).join(",");

let run = 0;

/**
 * Ask the script for a call at `now`; returns the reserved time, the time to
 * ask again when the chat is not due (to the millisecond, rounded up), or
 * Infinity when a call in flight blocks it.
 */
async function reserve(
  prefix: string,
  budget: RateBudget,
  now: number,
  paced: boolean,
  id: string,
  settles: { id: string; arrivedBy: number }[],
  inFlight: boolean,
): Promise<number> {
  const keys = ["chat", "bot", "pen:chat", "pen:bot", "procs", "epoch"].map((k) => `${prefix}${k}`);
  const args: (string | number)[] = [
    now.toFixed(3),
    spec(budget),
    budget.burst,
    spec(UNLIMITED),
    UNLIMITED.burst,
    paced ? 1 : 0,
    1,
    1,
    10_000_000,
    id,
    "p",
    60_000,
    1,
    JITTER_MARGIN,
    JITTER_MS,
    "e",
    "",
  ];
  for (const s of settles) {
    keys.push(`${prefix}chat`, `${prefix}bot`);
    args.push(`${s.id} ${s.arrivedBy.toFixed(3)}`, `${s.id} ${s.arrivedBy.toFixed(3)}`);
  }
  const reply = (await runScript(redis, RESERVE_SCRIPT, keys, args, 5000)) as unknown[];
  if (reply[0] === 1) return Number(reply[6]);
  return inFlight ? Number.POSITIVE_INFINITY : now + Number(reply[1]);
}

describe("the Redis script's pacing", () => {
  it("reserves every call at the time the local budget would grant it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          TELEGRAM_LIMITS.groupChat,
          TELEGRAM_LIMITS.draft,
          TELEGRAM_LIMITS.privateChat,
        ),
        fc.array(
          fc.record({
            // When the caller asks: mostly soon after the previous reply, sometimes after a pause.
            after: fc.oneof(
              { weight: 4, arbitrary: fc.integer({ min: 0, max: 50 }) },
              fc.integer({ min: 0, max: 40_000 }),
            ),
            // Sometimes while the previous call is still in flight.
            early: fc.boolean(),
            // How long the reply takes after the call goes out.
            reply: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 2500 })),
            final: fc.boolean(),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        async (budget, calls) => {
          const prefix = `pace${++run}:`;
          const bucket = new RateBucket();
          let now = 1_000_000;
          let pending: { id: string; arrivedBy: number; record: ReturnType<RateBucket["take"]> }[] =
            [];
          let compared = 0;
          for (const [i, call] of calls.entries()) {
            const last = pending.at(-1);
            now = (call.early || !last ? now : Math.max(now, last.arrivedBy)) + call.after;
            // Replies that came by now are settled, in both.
            const due = pending.filter((p) => p.arrivedBy <= now);
            pending = pending.filter((p) => p.arrivedBy > now);
            for (const p of due) p.record.arrivedBy = p.arrivedBy;
            const local = bucket.availableAt(budget, now, 1, !call.final);
            const blocked = local === Number.POSITIVE_INFINITY;
            const shared = await reserve(prefix, budget, now, !call.final, `c${i}`, due, blocked);
            if (blocked) continue;
            if (local > now + 1) {
              // Not due: the script says when to ask again, and reserves nothing.
              expect(shared - local).toBeGreaterThanOrEqual(0);
              expect(shared - local).toBeLessThan(1);
              now = local;
              const again = await reserve(prefix, budget, now, !call.final, `c${i}`, [], false);
              expect(Math.abs(again - local)).toBeLessThan(0.01);
            } else expect(Math.abs(shared - local)).toBeLessThan(0.01);
            compared++;
            const record = bucket.take(budget, now);
            record.sentAt = local;
            pending.push({ id: `c${i}`, arrivedBy: local + call.reply, record });
            now = Math.max(now, local);
          }
          if (calls.length > 5) expect(compared).toBeGreaterThan(0);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
