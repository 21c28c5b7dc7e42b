/**
 * What goes wrong, and how the flow hears of it: malformed messages and
 * failed deliveries go to Catch nodes with the msg that caused them, a node
 * that cannot work says so in its status, and other streams carry on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadHarness, type Msg, unloadHarness, visibleTexts, waitFor } from "./harness.js";

afterEach(unloadHarness);

/** The `msg.error` a Catch node receives. */
interface CaughtError {
  message: string;
  source: { id: string; type: string };
}

function errorOf(msg: Msg | undefined): CaughtError {
  if (!msg) throw new Error("nothing was caught");
  return msg.error as CaughtError;
}

describe("malformed messages", () => {
  it("each goes to Catch with its msg and a message naming what is wrong; running streams are untouched", async () => {
    const h = await loadHarness();
    h.send({ payload: "The good stream ", chatId: 42 });
    const malformed: Array<[Msg, RegExp]> = [
      [{ payload: "text for nobody" }, /no chat to stream to\. Set msg\.chatId/],
      [
        { event: "finish", chatId: 42 },
        /msg\.event must be "delta", "segment", "done" or "abort", got "finish"/,
      ],
      [{ event: "done", chatId: 43 }, /"done" for stream "chat:43", which is not streaming/],
      [
        { event: "segment", streamId: "unknown" },
        /"segment" for stream "unknown", which is not streaming/,
      ],
      [{ event: "abort", chatId: 44 }, /"abort" for stream "chat:44", which is not streaming/],
      [
        { payload: 12, chatId: 42 },
        /msg\.payload must be text or an LLM stream chunk, got number 12/,
      ],
      [
        { payload: { content: "a receiver payload" }, chatId: 42 },
        /msg\.payload must be text or an LLM stream chunk\..*unsupported chunk/,
      ],
      [
        { payload: { type: "text-delta", text: 7 }, chatId: 42 },
        /msg\.payload must be text or an LLM stream chunk/,
      ],
      [
        { payload: { type: "finish" }, chatId: 45 },
        /the payload ends stream "chat:45", which is not streaming/,
      ],
      [{ payload: "x", chatId: "not a chat" }, /msg\.chatId must be a chat id .*got "not a chat"/],
      [{ payload: "x", chatId: 1.5 }, /msg\.chatId must be a whole, non-zero chat id, got 1\.5/],
      [
        { payload: "x", chatId: 42, threadId: -1 },
        /msg\.threadId must be a positive whole number, got number -1/,
      ],
      [
        { payload: "x", chatId: 42, replyTo: "first" },
        /msg\.replyTo must be a positive whole number/,
      ],
      [
        { payload: "x", chatId: 42, streamId: { id: 1 } },
        /msg\.streamId must be a non-empty string or a number/,
      ],
    ];
    for (const [index, [msg]] of malformed.entries()) h.send({ ...msg, marker: index });
    h.send({ payload: "is intact.", chatId: 42 });
    h.send({ event: "done", chatId: 42 });

    await waitFor(() => h.results[0]);
    await waitFor(() => h.caught.length === malformed.length);
    malformed.forEach(([, expected], index) => {
      const caught = h.caught.find((msg) => msg.marker === index);
      expect(errorOf(caught).message).toMatch(expected);
      expect(errorOf(caught).source).toMatchObject({ id: "sg", type: "streamgram" });
    });
    expect(visibleTexts(h.emulator, 42)).toEqual(["The good stream is intact."]);
    // A failed message does not complete: Complete nodes see only the ones that were applied.
    expect(h.completed.filter((msg) => msg.marker !== undefined)).toEqual([]);
    expect(h.emulator.timeline(43).messages).toEqual([]);
  });
});

describe("failed deliveries", () => {
  it("a bot blocked mid-stream: Catch gets the error, the undelivered text and the stream's msg; the rest is dropped", async () => {
    const h = await loadHarness();
    const group = -101000;
    h.send({ payload: "Seen before the block. ", chatId: group });
    await waitFor(() => visibleTexts(h.emulator, group)[0]?.startsWith("Seen before the block."));
    h.emulator.blockBot(group);
    h.send({ payload: "Never delivered.", chatId: group, marker: "after the block" });

    const caught = await waitFor(() => h.caught[0]);
    expect(errorOf(caught).message).toMatch(/could not deliver the reply \(forbidden/);
    expect(caught).toMatchObject({
      marker: "after the block",
      streamId: `chat:${group}`,
      undelivered: { reason: "forbidden" },
    });
    expect((caught.undelivered as { text: string }).text).toContain("Never delivered.");

    // Later messages of the failed stream are dropped without another error; its done completes.
    h.send({ payload: "More text.", chatId: group });
    h.send({ event: "done", chatId: group, marker: "the done" });
    await waitFor(() => h.completed.some((msg) => msg.marker === "the done"));
    expect(h.caught).toHaveLength(1);
    expect(h.results).toEqual([]);
    // The status is paced (a few per second): the failure shows within one interval.
    await waitFor(() => h.statuses().at(-1)?.text === "failed: forbidden", 1000);
    expect(h.statuses().at(-1)).toEqual({ fill: "red", shape: "ring", text: "failed: forbidden" });

    // Other chats are not affected.
    h.send({ payload: "Another chat works.", chatId: 42 });
    h.send({ event: "done", chatId: 42 });
    await waitFor(() => h.results[0]);
    expect(visibleTexts(h.emulator, 42)).toEqual(["Another chat works."]);
  });

  it("a topic that does not exist fails the done msg, which goes to Catch", async () => {
    const h = await loadHarness();
    const forum = -101100;
    h.emulator.addChat({ id: forum, type: "supergroup", isForum: true, topics: [3] });
    h.send({ payload: "Into the void.", chatId: forum, threadId: 99 });
    h.send({ event: "done", chatId: forum, threadId: 99, marker: "done" });
    const caught = await waitFor(() => h.caught[0]);
    expect(errorOf(caught).message).toMatch(/thread_not_found/);
    expect(caught.undelivered).toMatchObject({
      reason: "thread_not_found",
      text: "Into the void.",
    });
  });
});

describe("a node that cannot work", () => {
  it("without a token: red status, and every message goes to Catch", async () => {
    const h = await loadHarness({ credentials: {} });
    expect(h.statuses().at(-1)).toMatchObject({ fill: "red", shape: "ring" });
    expect(h.statuses().at(-1)?.text).toMatch(/no token/);
    h.send({ payload: "Hello", chatId: 42, marker: 1 });
    const caught = await waitFor(() => h.caught[0]);
    expect(errorOf(caught).message).toMatch(
      /the bot has no token; open the bot configuration and enter it/,
    );
    expect(h.emulator.calls).toEqual([]);
  });

  it("without a bot: red status naming what to do", async () => {
    const h = await loadHarness({ node: { bot: "" } });
    expect(h.statuses().at(-1)?.text).toMatch(/no bot configured/);
    h.send({ payload: "Hello", chatId: 42 });
    expect(errorOf(await waitFor(() => h.caught[0])).message).toMatch(/no bot configured/);
  });

  it("with a wrong setting: red status naming the setting", async () => {
    const h = await loadHarness({ bot: { transport: "carrier pigeon" } });
    expect(h.statuses().at(-1)?.text).toMatch(/transport must be auto, draft or edit/);
    const bad = await loadOther({ node: { idleTimeout: "soon" } });
    expect(bad).toMatch(/idle timeout must be a number of seconds above 0, got "soon"/);
    const stop = await loadOther({ bot: { canStop: "sometimes" } });
    expect(stop).toMatch(/canStop must be true or false, got "sometimes"/);
  });
});

/** Load a second flow and return the streamgram node's last status text. */
async function loadOther(options: Parameters<typeof loadHarness>[0]): Promise<string | undefined> {
  await unloadHarness();
  const h = await loadHarness(options);
  return h.statuses().at(-1)?.text;
}
