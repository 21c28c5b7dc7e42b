/**
 * A deploy of only the streamgram node ("Modified Nodes") while it streams,
 * on the real Node-RED runtime: the node closes and finishes its streams, and
 * the nodes downstream, which keep running, receive each reply's result (or
 * its failure with what was delivered) on output 2 before the close completes.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StreamResult } from "../../shared/result.js";
import {
  type Harness,
  harnessFlow,
  helper,
  loadHarness,
  type Msg,
  TOKEN,
  unloadHarness,
  visibleTexts,
  waitFor,
} from "./harness.js";

afterEach(unloadHarness);

const CURSOR = "▉";

/** Wait until the group shows `text` with the cursor: the stream is mid-flight. */
function showsLive(h: Harness, chatId: number, text: string): Promise<true> {
  return waitFor(() =>
    visibleTexts(h.emulator, chatId).some((v) => v.includes(text) && v.endsWith(CURSOR)),
  );
}

/** Deploy the harness flow with only the streamgram node changed, as "Modified Nodes" does. */
async function redeployStreamNodeOnly(h: Harness): Promise<void> {
  const changed = harnessFlow(h.emulator.apiRoot, { node: { name: "renamed" } });
  await helper.setFlows(changed, "nodes", { bot: { token: TOKEN } });
}

describe("a deploy of only the streamgram node", () => {
  it("sends the result of each reply it finishes on output 2, to the nodes still running, before it closes", async () => {
    const h = await loadHarness();
    const groups = [-106000, -106001];
    for (const chatId of groups) {
      h.send({ payload: `Reply in ${chatId}, cut by the deploy.`, chatId, marker: chatId });
      await showsLive(h, chatId, `Reply in ${chatId}`);
    }
    const results = h.results;
    const resultsNode = helper.getNode("results");

    await redeployStreamNodeOnly(h);
    // Delivered while the old node closed: the deploy completes after them.
    expect(results).toHaveLength(2);
    // The node downstream was not restarted: it is the same instance that received them.
    expect(helper.getNode("results")).toBe(resultsNode);
    for (const chatId of groups) {
      const msg = results.find((m) => m.marker === chatId) as Msg;
      expect(msg).toMatchObject({ event: "result", streamId: `chat:${chatId}` });
      const result = msg.payload as StreamResult;
      expect(result.text).toBe(`Reply in ${chatId}, cut by the deploy.`);
      expect(result.aborted).toBe(true);
      expect(result.messages).toHaveLength(1);
      expect(visibleTexts(h.emulator, chatId)).toEqual([`Reply in ${chatId}, cut by the deploy.`]);
    }
    expect(h.caught).toEqual([]);
    // The new node streams as usual, into the same downstream node.
    helper.getNode("sg").receive({ payload: "After the deploy.", chatId: groups[0] });
    helper.getNode("sg").receive({ event: "done", chatId: groups[0] });
    await waitFor(() => results.length === 3);
    expect((results[2]?.payload as StreamResult | undefined)?.text).toBe("After the deploy.");
  });

  it("sends a reply that could not be persisted as an error with what was delivered, and to Catch", async () => {
    const h = await loadHarness();
    const group = -106100;
    h.send({ payload: "Shown. ", chatId: group, marker: "the stream" });
    await showsLive(h, group, "Shown.");
    // A 30 s penalty at the test's time scale: longer than the node may wait while closing.
    h.emulator.injectFault({
      method: "editMessageText",
      chatId: group,
      error: { code: 429, description: "Too Many Requests: retry after 1500", retryAfter: 1500 },
    });
    h.send({ payload: "Held back.", chatId: group, marker: "the stream" });
    await h.emulator.waitForCall((c) => c.method === "editMessageText" && c.status === 429);

    await redeployStreamNodeOnly(h);
    expect(h.results).toHaveLength(1);
    const [msg] = h.results;
    expect(msg).toMatchObject({
      event: "error",
      streamId: `chat:${group}`,
      marker: "the stream",
      error: { name: "StreamDeliveryError" },
      undelivered: { reason: "penalty_too_long", text: "Shown. Held back.", deliveredText: "" },
      payload: { messages: [], text: "" },
    });
    expect((msg?.error as { message?: string } | undefined)?.message).toMatch(
      /could not deliver the reply/,
    );
    // Catch nodes keep running too, and get it as every failure.
    await waitFor(() => h.caught[0]);
    expect(h.caught[0]).toMatchObject({ undelivered: { reason: "penalty_too_long" } });
  });
});
