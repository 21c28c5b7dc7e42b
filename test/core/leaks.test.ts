/**
 * A bot runs for weeks: one stream must not grow per chunk, and finished
 * streams must leave nothing behind, not even on a `signal` they shared.
 * Measured in a child process with `--expose-gc` (see test/bench/leaks.ts).
 */
import { describe, expect, it } from "vitest";
import { measureLeaksInChildProcess } from "../bench/leaks.js";

describe("a long-running bot", () => {
  it("holds no memory per chunk read, and nothing of finished streams that shared a signal", async () => {
    const figures = await measureLeaksInChildProcess();
    // Before: about 400 bytes a chunk (124 MB for 300,000) until the stream was dropped.
    expect(figures.heapGrowthBytes).toBeLessThan(32 * 1024 * 1024);
    expect(figures.listenersLeft).toBe(0);
    expect(figures.streamsAlive).toBe(0);
  }, 120_000);
});
