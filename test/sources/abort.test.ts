/**
 * Stopping a stream closes the SDK's HTTP request, for every SDK: the signal
 * streamgram passes to the source factory (or the release of the source
 * itself) reaches the local vendor server as a hang-up, while the model is
 * still "typing".
 */
import { afterEach, describe, expect, it } from "vitest";
import { toStreamEvents } from "../../shared/sources/index.js";
import { type LocalServer, SDK_CASES } from "../support/sdk-sources.js";

let vendor: LocalServer | undefined;

afterEach(async () => {
  await vendor?.close();
  vendor = undefined;
});

describe.each(SDK_CASES)("$name", (sdk) => {
  it("aborting after the first text closes the request at once", async () => {
    vendor = await sdk.start([{ text: "Thinking about it" }, { delay: 60_000 }, { text: "never" }]);
    const baseURL = vendor.baseURL;
    const controller = new AbortController();
    const seen: string[] = [];
    const started = Date.now();
    for await (const event of toStreamEvents(
      (signal) => sdk.open(baseURL, 1, signal) as never,
      controller.signal,
    )) {
      if (event.type === "delta") {
        seen.push(event.text);
        controller.abort();
      }
    }
    expect(seen).toEqual(["Thinking about it"]);
    const outcome = await Promise.race([
      vendor.requests[0]?.outcome,
      new Promise((resolve) => setTimeout(() => resolve("still open"), 3_000)),
    ]);
    expect(outcome).toBe("client-closed");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
