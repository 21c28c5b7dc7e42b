/** The test helper that runs a real redis-server: it starts, answers, survives a kill and restart, and stops. */
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { startRedisServer } from "../support/redis-server.js";

describe("startRedisServer", () => {
  it("runs a real redis-server on loopback, without persistence, that can be killed and restarted empty", async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.set("k", "v");
      expect(await client.get("k")).toBe("v");
      expect(await client.config("GET", "save")).toEqual(["save", ""]);
      expect(await client.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
      await server.kill();
      await expect(client.get("k")).rejects.toThrow();
      await server.restart();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await client.get("k")).toBeNull();
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
