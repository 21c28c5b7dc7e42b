/**
 * Emit-only delivery on the real Node-RED runtime: streamgram makes no request
 * itself; a function node playing node-red-contrib-telegrambot's sender node
 * performs each operation against the emulator and feeds the sender's output
 * (and error output) back as the acknowledgement.
 */
import { createRequire } from "node:module";
import { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import type { SenderPayload } from "../../node-red-node/emit-only-api.js";
import type { StreamResult } from "../../shared/result.js";
import { type Emulator, startEmulator } from "../emulator/index.js";
import {
  type HarnessOptions,
  harnessFlow,
  helper,
  loadHarness,
  type Msg,
  TIME_SCALE,
  TOKEN,
  unloadHarness,
  visibleTexts,
  waitFor,
} from "./harness.js";
import { SENDER_FUNCTION, telegramSender } from "./sender-stand-in.js";

const require = createRequire(import.meta.url);
const functionNode = require("@node-red/nodes/core/function/10-function.js");

/** The sender's bot: its own token, as node-red-contrib-telegrambot's config node would hold it. */
const SENDER_TOKEN = "654321:sender-bot-secret-token-value";

let emulator: Emulator | undefined;

afterEach(async () => {
  await unloadHarness();
  emulator = undefined;
});

interface EmitOnlyFlow {
  node?: Record<string, unknown>;
  /** Wire the sender's error output back too (default true). */
  errorOutputWired?: boolean;
  /** Lose the first acknowledgement of this operation type on its way back. */
  dropAck?: string;
}

/** Harness options for: streamgram (emit only) → sender function → back into streamgram. */
function emitOnlyOptions(options: EmitOnlyFlow): HarnessOptions {
  const at = { x: 300, y: 100 };
  const back = options.dropAck ? ["ack-filter"] : ["sg"];
  return {
    node: {
      delivery: "emit",
      ackTimeout: 0.3,
      wires: [["updates"], ["results"], ["operations", "sender"]],
      ...options.node,
    },
    extraTypes: [functionNode],
    extraNodes: [
      {
        id: "sender",
        type: "function",
        z: "f1",
        name: "telegram sender (stand-in)",
        func: SENDER_FUNCTION,
        outputs: 2,
        wires: [back, options.errorOutputWired === false ? [] : back],
        ...at,
      },
      {
        id: "ack-filter",
        type: "function",
        z: "f1",
        name: "lose an ack",
        func: `if (msg.payload.type === ${JSON.stringify(options.dropAck)} && !context.get("dropped")) { context.set("dropped", true); return null; } return msg;`,
        outputs: 1,
        wires: [["sg"]],
        ...at,
      },
    ],
  };
}

async function loadEmitOnly(options: EmitOnlyFlow = {}) {
  emulator = await startEmulator({ timeScale: TIME_SCALE });
  const send = telegramSender(new Api(SENDER_TOKEN, { apiRoot: emulator.apiRoot }));
  helper.settings({ functionGlobalContext: { telegramSender: send } });
  return loadHarness({ reuse: emulator, ...emitOnlyOptions(options) });
}

function resultOf(msg: Msg | undefined): StreamResult {
  if (!msg) throw new Error("no result message");
  return msg.payload as StreamResult;
}

describe("emit only, through a Telegram sender node", () => {
  it("round trip: every operation goes through the sender, acks carry message ids, the reply ends without cursor", async () => {
    const h = await loadEmitOnly();
    const group = -102000;
    h.send({ payload: "Streamed through ", chatId: group });
    await waitFor(() => visibleTexts(h.emulator, group)[0]?.endsWith("▉"));
    h.send({ payload: "**another** node.", chatId: group });
    h.send({ event: "done", chatId: group });

    const result = resultOf(await waitFor(() => h.results[0]));
    const [message] = h.emulator.visibleMessages(group);
    expect(message?.versions.at(-1)).toMatchObject({
      text: "Streamed through another node.",
      entities: [{ type: "bold", offset: 17, length: 7 }],
    });
    // The acknowledgement told the core the message id: it edited that message instead of sending another.
    expect(result.messages.map((m) => m.message_id)).toEqual([message?.messageId]);
    expect(h.emulator.visibleMessages(group)).toHaveLength(1);

    // Every call reached Telegram through the sender's bot, as a sender operation.
    expect(new Set(h.emulator.calls.map((c) => c.token))).toEqual(new Set(["654321"]));
    const types = h.operations.map((op) => (op.payload as SenderPayload).type);
    expect(types).toContain("message");
    expect(types.at(-1)).toBe("editMessageText");
    expect(h.operations.every((op) => typeof op.streamgramOp === "string")).toBe(true);
    expect(h.emulator.stats().calls.sendMessageDraft ?? 0).toBe(0);
    expect(h.emulator.stats().tooManyRequests).toBe(0);
    expect(h.calls("warn")).toEqual([]);
  });

  it("uses edits in private chats too (the sender has no drafts), and works without a bot config", async () => {
    const h = await loadEmitOnly({ node: { bot: "" } });
    h.send({ payload: "No drafts ", chatId: 42 });
    h.send({ payload: "here.", chatId: 42 });
    h.send({ event: "done", chatId: 42 });
    const result = resultOf(await waitFor(() => h.results[0]));
    expect(result.transport).toBe("edit");
    expect(visibleTexts(h.emulator, 42)).toEqual(["No drafts here."]);
    expect(h.emulator.stats().calls.sendMessageDraft ?? 0).toBe(0);
  });

  it("a lost acknowledgement times out; the reply continues below with only what the user has not seen", async () => {
    const h = await loadEmitOnly({ dropAck: "message" });
    const group = -102100;
    h.send({ payload: "First part, ", chatId: group });
    await waitFor(() => visibleTexts(h.emulator, group).length === 1);
    h.send({ payload: "second part.", chatId: group });
    h.send({ event: "done", chatId: group });

    await waitFor(() => h.results[0], 5_000);
    // The first message's id never came back, so it stays as sent; nothing is repeated, nothing lost.
    const texts = visibleTexts(h.emulator, group).map((t) => t.replace(/ ▉$/, ""));
    expect(texts.join(" ")).toBe("First part, second part.");
    expect(h.calls("warn").join("\n")).toMatch(
      /did not acknowledge sendMessage .*Wire the Telegram sender node's output back/,
    );
  });

  it("the sender's error output reports Telegram's errors: a deleted message is continued below", async () => {
    const h = await loadEmitOnly();
    const group = -102200;
    h.send({ payload: "Deleted by the user. ", chatId: group });
    const first = await waitFor(() => h.emulator.visibleMessages(group)[0]);
    h.emulator.deleteMessageAsUser(group, first.messageId);
    h.send({ payload: "Still delivered.", chatId: group });
    h.send({ event: "done", chatId: group });

    const result = resultOf(await waitFor(() => h.results[0]));
    expect(result.stats.messagesLost).toBe(1);
    expect(visibleTexts(h.emulator, group)).toEqual(["Still delivered."]);
  });

  it("the sender's error output reports a blocked bot; Catch gets the delivery error", async () => {
    const h = await loadEmitOnly();
    const group = -102300;
    h.emulator.blockBot(group);
    h.send({ payload: "Nobody will read this.", chatId: group });
    h.send({ event: "done", chatId: group, marker: "done" });
    const caught = await waitFor(() => h.caught[0]);
    expect((caught.error as { message: string }).message).toMatch(
      /could not deliver the reply \(forbidden/,
    );
    expect(caught).toMatchObject({
      marker: "done",
      undelivered: { reason: "forbidden", text: "Nobody will read this." },
    });
  });

  it("on a modified-nodes redeploy, finishes streams in mid-flight through the sender, which keeps running", async () => {
    const h = await loadEmitOnly();
    const group = -102400;
    h.send({ payload: "Cut short by a deploy", chatId: group });
    // The sender's acknowledgement has brought the message id back.
    await waitFor(() => h.updates.some((u) => (u.payload as { action: string }).action === "send"));

    // Only the streamgram node changed: Node-RED restarts it and leaves the sender running.
    const changed = harnessFlow(h.emulator.apiRoot, emitOnlyOptions({ node: { name: "renamed" } }));
    await helper.setFlows(changed, "nodes", { bot: { token: TOKEN } });
    await waitFor(() => visibleTexts(h.emulator, group)[0] === "Cut short by a deploy");
  });
});
