/**
 * The example flows in examples/node-red (Import → Examples in the editor):
 * well-formed, free of secrets, accepted by the node, and working when run on
 * Node-RED against the emulator. Nodes the test runtime does not have
 * (inject, debug, node-red-contrib-telegrambot's) are swapped for stand-ins
 * that keep their wiring.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Api } from "grammy";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type BotConfigDef, readBotSettings } from "../../node-red-node/bot-config.js";
import { readStreamNodeSettings, type StreamNodeDef } from "../../node-red-node/stream-node.js";
import streamgramNodes from "../../node-red-node/streamgram.js";
import type { StreamResult } from "../../shared/result.js";
import { type Emulator, startEmulator } from "../emulator/index.js";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { helper, type Msg, TIME_SCALE, TOKEN, visibleTexts, waitFor } from "./harness.js";
import { SENDER_FUNCTION, telegramSender } from "./sender-stand-in.js";

const require = createRequire(import.meta.url);
const functionNode = require("@node-red/nodes/core/function/10-function.js");

type FlowNode = Record<string, unknown> & { id: string; type: string; wires?: string[][] };

const directory = new URL("../../examples/node-red/", import.meta.url);
const examples = readdirSync(directory)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => ({ name, text: readFileSync(new URL(name, directory), "utf8") }));

function flowOf(name: string): FlowNode[] {
  const example = examples.find((e) => e.name === name);
  if (!example) throw new Error(`no example ${name}`);
  return JSON.parse(example.text) as FlowNode[];
}

let emulator: Emulator | undefined;
let openaiServer: OpenAIServer | undefined;

afterEach(async () => {
  await helper.unload();
  await emulator?.close();
  await openaiServer?.close();
  emulator = undefined;
  openaiServer = undefined;
});

describe("the example flows", () => {
  it("are there: a simulated LLM, a Telegram + OpenAI chat, and emit only through the telegram sender", () => {
    expect(examples.map((e) => e.name)).toEqual([
      "01-simulated-llm.json",
      "02-telegram-openai.json",
      "03-emit-only-telegram-sender.json",
    ]);
  });

  for (const { name, text } of examples) {
    it(`${name}: unique ids, wires to nodes that exist, one comment explaining it`, () => {
      const flow = JSON.parse(text) as FlowNode[];
      const ids = new Set(flow.map((n) => n.id));
      expect(ids.size).toBe(flow.length);
      for (const node of flow) {
        for (const target of (node.wires ?? []).flat())
          expect(ids.has(target), `${node.id} → ${target}`).toBe(true);
      }
      expect(flow.filter((n) => n.type === "comment" && typeof n.info === "string")).toHaveLength(
        1,
      );
    });

    it(`${name}: no token or credentials in it`, () => {
      expect(text).not.toMatch(/"credentials"/);
      expect(text).not.toMatch(/\d{5,}:[A-Za-z0-9_-]{20,}/);
    });

    it(`${name}: every streamgram node's settings are accepted, with outputs matching its delivery`, () => {
      const flow = JSON.parse(text) as FlowNode[];
      const streamgrams = flow.filter((n) => n.type === "streamgram");
      expect(streamgrams.length).toBeGreaterThan(0);
      for (const node of streamgrams) {
        const settings = readStreamNodeSettings(node as StreamNodeDef);
        const outputs = settings.delivery === "emit" ? 3 : 2;
        expect(node.outputs).toBe(outputs);
        expect(node.wires).toHaveLength(outputs);
        const bot = flow.find((n) => n.id === node.bot);
        if (settings.delivery === "api") expect(bot?.type).toBe("streamgram-bot");
        if (bot) expect(() => readBotSettings(bot as BotConfigDef)).not.toThrow();
      }
    });
  }
});

/** The example with its streamgram bot pointed at the emulator and stand-ins for missing node types. */
function runnable(flow: FlowNode[], apiRoot: string): FlowNode[] {
  return flow
    .filter((node) => node.type !== "comment" && node.type !== "telegram bot")
    .map((node) => {
      switch (node.type) {
        case "streamgram-bot":
          return { ...node, apiRoot, timeScale: TIME_SCALE };
        case "inject":
        case "debug":
        case "telegram receiver":
          return stub(node);
        case "telegram sender":
          return { ...node, type: "function", func: SENDER_FUNCTION, outputs: 2, libs: [] };
        case "function":
          // A function importing modules (openai) runs outside the runtime, in its test.
          return Array.isArray(node.libs) && node.libs.length > 0 ? stub(node) : node;
        default:
          return node;
      }
    });
}

/** A helper node in place of `node`, with the same id, position and wires. */
function stub(node: FlowNode): FlowNode {
  return { id: node.id, type: "helper", z: node.z, x: node.x, y: node.y, wires: node.wires ?? [] };
}

async function run(name: string): Promise<{ flow: FlowNode[]; emulator: Emulator }> {
  emulator = await startEmulator({ timeScale: TIME_SCALE });
  helper.settings({
    functionGlobalContext: {
      telegramSender: telegramSender(new Api(TOKEN, { apiRoot: emulator.apiRoot })),
    },
  });
  const flow = runnable(flowOf(name), emulator.apiRoot);
  const credentials = Object.fromEntries(
    flow.filter((n) => n.type === "streamgram-bot").map((n) => [n.id, { token: TOKEN }]),
  );
  await helper.load([streamgramNodes, functionNode], flow, credentials);
  return { flow, emulator };
}

function nodeOfType(flow: FlowNode[], type: string, name?: string): FlowNode {
  const node = flow.find((n) => n.type === type && (name === undefined || n.name === name));
  if (!node) throw new Error(`no ${type} node ${name ?? ""}`);
  return node;
}

/** The msg node-red-contrib-telegrambot's receiver sends for a user's text message. */
function receiverMessage(em: Emulator, chatId: number, text: string): Msg {
  const update = em.sendUserMessage(chatId, text);
  const message = update.message;
  if (!message) throw new Error("the emulator made no message");
  return {
    payload: { chatId, messageId: message.message_id, type: "message", content: text },
    originalMessage: message,
  };
}

describe("running the example flows", () => {
  it("01: the simulated LLM streams its reply, and the result comes out of output 2", async () => {
    const { flow, emulator: em } = await run("01-simulated-llm.json");
    const results: Msg[] = [];
    helper.getNode("dbg000000002a1").on("input", (msg: Msg) => results.push(msg));
    // What the "ask" inject node sends, with the test's chat.
    helper
      .getNode(nodeOfType(flow, "function").id)
      .receive({ payload: "Tell me about streaming", chatId: 42 });
    const result = (await waitFor(() => results[0], 10_000)).payload as StreamResult;
    expect(result.text).toMatch(/^Streaming \*\*works\*\*: .* the message stays\.$/s);
    expect(visibleTexts(em, 42)).toEqual([result.text.replaceAll("**", "")]);
  });

  it("02: the function node's code streams an OpenAI answer to the received message", async () => {
    openaiServer = await startOpenAIServer([
      { text: "Streaming " },
      { text: "from " },
      { text: "**OpenAI**." },
    ]);
    const { flow, emulator: em } = await run("02-telegram-openai.json");
    const results: Msg[] = [];
    helper.getNode("dbg000000001b2").on("input", (msg: Msg) => results.push(msg));
    const streamgram = helper.getNode(nodeOfType(flow, "streamgram").id);

    // Run the example's function code as Node-RED does (an async function body), with the
    // "openai" module it imports pointed at the local server.
    const baseURL = openaiServer.baseURL;
    class LocalOpenAI extends OpenAI {
      constructor(options: ConstructorParameters<typeof OpenAI>[0]) {
        super({ ...options, baseURL, maxRetries: 0 });
      }
    }
    const code = String(nodeOfType(flowOf("02-telegram-openai.json"), "function").func);
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<unknown>;
    const errors: unknown[] = [];
    const node = {
      send: (msg: Msg) => streamgram.receive(msg),
      error: (error: unknown) => errors.push(error),
    };
    await new AsyncFunction("msg", "node", "env", "OpenAI", code)(
      receiverMessage(em, 42, "Stream something"),
      node,
      { get: (name: string) => (name === "OPENAI_API_KEY" ? "test-key" : undefined) },
      { OpenAI: LocalOpenAI, default: LocalOpenAI },
    );

    const result = (await waitFor(() => results[0], 10_000)).payload as StreamResult;
    expect(errors).toEqual([]);
    expect(result.text).toBe("Streaming from **OpenAI**.");
    const [reply] = em.visibleMessages(42);
    expect(reply?.versions.at(-1)?.text).toBe("Streaming from OpenAI.");
    expect(reply?.replyToMessageId).toBe(1);
  });

  it("03: emit only, through the telegram sender and back, streams the answer to the received message", async () => {
    const { flow, emulator: em } = await run("03-emit-only-telegram-sender.json");
    const results: Msg[] = [];
    helper.getNode("dbg000000001c3").on("input", (msg: Msg) => results.push(msg));
    const receiver = helper.getNode(flow.find((n) => n.id === "tgin00000001c3")?.id ?? "");
    // The receiver sends on its first output, wired to the simulated LLM.
    (receiver as unknown as { send(msg: Msg): void }).send(
      receiverMessage(em, -104000, "Hello there"),
    );

    const result = (await waitFor(() => results[0], 10_000)).payload as StreamResult;
    expect(result.text).toBe(
      'You wrote: "Hello there". This answer streams through the **telegram sender** node.',
    );
    const [reply] = em.visibleMessages(-104000);
    expect(reply?.versions.at(-1)?.text).toBe(
      'You wrote: "Hello there". This answer streams through the telegram sender node.',
    );
    // Streamed: the message was edited while the answer grew.
    expect(reply?.versions.length).toBeGreaterThan(1);
    expect(em.stats().calls.sendMessage).toBe(1);
  });
});
