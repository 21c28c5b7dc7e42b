/**
 * The memory of recent replies that keeps a redelivered update from
 * answering twice: same key, same promise; bounded; expiring after the
 * reply ends. Pure logic, with a hand-driven clock.
 */
import { describe, expect, it } from "vitest";
import { REDELIVERY_MEMORY } from "../../grammy-plugin/index.js";
import { RecentReplies } from "../../grammy-plugin/redelivery.js";
import type { StreamResult } from "../../shared/index.js";

/** A reply that ends when the test says so. */
function pendingReply() {
  let finish: (result: StreamResult) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const promise = new Promise<StreamResult>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { promise, finish, fail };
}

const RESULT = { text: "answer" } as unknown as StreamResult;

function clock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("RecentReplies", () => {
  it("gives a key's first reply to every later call, and starts nothing new", async () => {
    const replies = new RecentReplies();
    const first = pendingReply();
    let starts = 0;
    const start = () => {
      starts += 1;
      return first.promise;
    };
    const a = replies.replyFor("42#1", start);
    const b = replies.replyFor("42#1", start);
    expect(b).toBe(a);
    first.finish(RESULT);
    expect(await replies.replyFor("42#1", start)).toBe(RESULT);
    expect(starts).toBe(1);
  });

  it("keeps different keys apart", () => {
    const replies = new RecentReplies();
    const one = replies.replyFor("1#1", () => pendingReply().promise);
    const two = replies.replyFor("1#2", () => pendingReply().promise);
    const three = replies.replyFor("2#1", () => pendingReply().promise);
    expect(new Set([one, two, three]).size).toBe(3);
  });

  it("remembers a failed reply too: a redelivery gets the same rejection, not a new attempt", async () => {
    const replies = new RecentReplies();
    const reply = pendingReply();
    const first = replies.replyFor("5#1", () => reply.promise);
    reply.fail(new Error("model down"));
    await expect(first).rejects.toThrow("model down");
    let started = false;
    await expect(
      replies.replyFor("5#1", () => {
        started = true;
        return Promise.resolve(RESULT);
      }),
    ).rejects.toThrow("model down");
    expect(started).toBe(false);
  });

  it("forgets a reply keepMs after it ended, never while it streams", async () => {
    const time = clock();
    const replies = new RecentReplies({ maxReplies: 10, keepMs: 1000 }, time.now);
    const long = pendingReply();
    replies.replyFor("1#1", () => long.promise);
    replies.replyFor("2#1", () => Promise.resolve(RESULT));
    await Promise.resolve();
    await Promise.resolve();
    time.advance(5000);
    // 2#1 ended 5 s ago: forgotten; 1#1 still streams: kept.
    expect(replies.replyFor("1#1", () => Promise.resolve(RESULT))).toBe(long.promise);
    expect(replies.size).toBe(1);
    long.finish(RESULT);
    await long.promise;
    time.advance(999);
    expect(replies.replyFor("1#1", () => Promise.resolve(RESULT))).toBe(long.promise);
    time.advance(1);
    const again = replies.replyFor("1#1", () => Promise.resolve(RESULT));
    expect(again).not.toBe(long.promise);
  });

  it("holds at most maxReplies, forgetting the oldest first", () => {
    const replies = new RecentReplies({ maxReplies: 3, keepMs: 1_000_000 });
    const promises = [1, 2, 3, 4].map((id) =>
      replies.replyFor(`${id}#1`, () => pendingReply().promise),
    );
    expect(replies.size).toBe(3);
    expect(replies.replyFor("4#1", () => pendingReply().promise)).toBe(promises[3]);
    expect(replies.replyFor("2#1", () => pendingReply().promise)).toBe(promises[1]);
    // 1#1 was the oldest: forgotten, so it starts again.
    expect(replies.replyFor("1#1", () => pendingReply().promise)).not.toBe(promises[0]);
  });

  it("documents its bound: the last 1000 replies, each for an hour after it ended", () => {
    expect(REDELIVERY_MEMORY).toEqual({ maxReplies: 1000, keepMs: 3_600_000 });
    expect(Object.isFrozen(REDELIVERY_MEMORY)).toBe(true);
  });
});
