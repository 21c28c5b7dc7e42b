/**
 * One warning per Redis outage for a hub, whichever of its parts notices it
 * (pure logic: the times are the callers' ask times), and a warning of its
 * own for a failure that is not an outage. The hub's parts against a real
 * Redis that goes away are in `journal.test.ts` and `processes.test.ts`.
 */
import { describe, expect, it } from "vitest";
import { RedisUnavailableError } from "../../shared/redis/connection.js";
import { isUnreachable, RedisTrouble } from "../../shared/redis/trouble.js";

function trouble() {
  const warnings: string[] = [];
  const notice = new RedisTrouble(
    { warn: (message) => warnings.push(message) },
    (reason) => `streamgram: Redis did not answer (${reason})`,
  );
  return { notice, warnings };
}

/** What ioredis rejects with when a command gave up while the connection was down. */
function maxRetries(): Error {
  const error = new Error("Reached the max retries per request limit (which is 1).");
  error.name = "MaxRetriesPerRequestError";
  return error;
}

describe("Redis trouble of one hub", () => {
  it("logs one warning for failures of every part during one outage", () => {
    const { notice, warnings } = trouble();
    const now = performance.now();
    notice.failed(new RedisUnavailableError("Redis is reconnecting"), now);
    notice.failed(maxRetries(), now + 1);
    notice.failed(new Error("Connection is closed."), now + 2);
    notice.failed(new Error("connect ECONNREFUSED 127.0.0.1:1"), now + 3);
    expect(warnings).toEqual(["streamgram: Redis did not answer (Redis is reconnecting)"]);
    expect(notice.down).toBe(true);
    expect(notice.outages).toBe(1);
  });

  it("ends an outage only with an answer to a command asked after it began, and warns again for the next", () => {
    const { notice, warnings } = trouble();
    const asked = performance.now() - 100;
    notice.failed(maxRetries(), asked);
    // Asked before the outage was noticed, answered late (it waited in the client's queue): still down.
    notice.answered(asked + 1);
    expect(notice.down).toBe(true);
    notice.failed(maxRetries(), performance.now());
    expect(warnings).toHaveLength(1);
    notice.answered(performance.now());
    expect(notice.down).toBe(false);
    notice.failed(
      new RedisUnavailableError("Redis gave no answer within 500 ms"),
      performance.now(),
    );
    expect(warnings).toHaveLength(2);
    expect(notice.outages).toBe(2);
  });

  it("ignores a failure of a command asked before one Redis answered since (stale)", () => {
    const { notice, warnings } = trouble();
    const asked = performance.now();
    notice.answered(asked + 5);
    notice.failed(maxRetries(), asked);
    expect(warnings).toEqual([]);
    expect(notice.down).toBe(false);
  });

  it("logs a failure that is not an outage on its own, once per message, even during an outage", () => {
    const { notice, warnings } = trouble();
    notice.failed(new RedisUnavailableError("Redis is reconnecting"), performance.now());
    const refused = new Error("NOPERM this user has no permissions to run the 'evalsha' command");
    notice.failed(refused, performance.now());
    notice.failed(refused, performance.now());
    notice.failed(new Error("OOM command not allowed when used memory > 'maxmemory'."), 0);
    expect(warnings).toHaveLength(3);
    expect(warnings[1]).toMatch(/Redis refused a command \(NOPERM/);
    expect(warnings[2]).toMatch(/Redis refused a command \(OOM/);
    expect(notice.outages).toBe(1);
  });

  it("tells an unreachable Redis from one that refused", () => {
    expect(isUnreachable(new RedisUnavailableError("Redis is end"))).toBe(true);
    expect(isUnreachable(maxRetries())).toBe(true);
    expect(isUnreachable(new Error("read ECONNRESET"))).toBe(true);
    expect(isUnreachable(new Error("WRONGTYPE Operation against a key"))).toBe(false);
    expect(isUnreachable("ERR Error running script")).toBe(false);
  });
});
