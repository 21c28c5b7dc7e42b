/**
 * ctx.streamReply takes what each LLM SDK returns, as it is: Anthropic,
 * Gemini, Ollama, LangChain, @openai/agents, Mastra and the AI SDK's UI
 * message stream, each streaming from a local server that speaks its
 * vendor's protocol, into a real grammY bot talking to the emulator.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { partialResultOf, type StreamResult } from "../../grammy-plugin/index.js";
import { startAnthropicServer } from "../support/anthropic-server.js";
import type { Script } from "../support/protocol-server.js";
import {
  FAILING,
  type LocalServer,
  SDK_CASES,
  type SdkCase,
  TOOL_LOOP,
  TOOL_LOOP_MESSAGES,
} from "../support/sdk-sources.js";
import { createStreamBot, sentMessages, useServers } from "./harness.js";

const CHAT = 4242;

const servers = useServers();
let vendor: LocalServer | undefined;

afterEach(async () => {
  await vendor?.close();
  vendor = undefined;
});

/**
 * Answer one user message with `ctx.streamReply(source)`, the source made by
 * the SDK with the stream's signal; return the outcome and the final text of
 * every message the user sees.
 */
async function replyWith(
  sdk: SdkCase,
  script: Script,
  calls: number,
): Promise<{ result?: StreamResult; error?: unknown; messages: string[] }> {
  vendor = await sdk.start(script);
  const baseURL = vendor.baseURL;
  const bot = createStreamBot(servers.emulator, { plugin: { format: "plain" } });
  const outcome: { result?: StreamResult; error?: unknown } = {};
  bot.on("message:text", async (ctx) => {
    try {
      outcome.result = await ctx.streamReply((signal) => sdk.open(baseURL, calls, signal) as never);
    } catch (error) {
      outcome.error = error;
    }
  });
  await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "Weather in Oslo?"));
  const messages = servers.emulator.visibleMessages(CHAT).map((m) => m.versions.at(-1)?.text ?? "");
  expect(sentMessages(servers.emulator, CHAT)).toHaveLength(messages.length);
  expect(servers.emulator.stats().tooManyRequests).toBe(0);
  return { ...outcome, messages };
}

describe.each(SDK_CASES)("$name into ctx.streamReply", (sdk) => {
  it("a tool call between two parts: two messages, the reasoning hidden but in the result", async () => {
    const { result, error, messages } = await replyWith(sdk, TOOL_LOOP, 2);
    expect(error).toBeUndefined();
    expect(messages).toEqual(TOOL_LOOP_MESSAGES);
    expect(result?.text).toBe(TOOL_LOOP_MESSAGES.join(""));
    expect(result?.reasoning).toBe("The user wants the weather.");
    expect(result?.aborted).toBe(false);
  });

  it("a failure mid-stream: what arrived stays, and the SDK's error is thrown", async () => {
    const { result, error, messages } = await replyWith(sdk, FAILING, 1);
    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(sdk.errorClass);
    expect(String((error as Error).message)).toMatch(/model overloaded/);
    expect(messages).toEqual(["The first half made it."]);
    expect(partialResultOf(error)?.messages.map((m) => m.text)).toEqual([
      "The first half made it.",
    ]);
  });
});

describe("an SDK helper that collects the final message", () => {
  it("Anthropic's MessageStream: after ctx.streamReply, stream.finalMessage() still has the tool call", async () => {
    vendor = await startAnthropicServer([
      { text: "Let me check." },
      { toolCall: { name: "weather", arguments: '{"city":"Oslo"}', id: "toolu_1" } },
      // The connection stays open a moment after message_stop.
      { delay: 50 },
    ]);
    const client = new Anthropic({ apiKey: "test", baseURL: vendor.baseURL, maxRetries: 0 });
    const bot = createStreamBot(servers.emulator, { plugin: { format: "plain" } });
    let final: Anthropic.Message | undefined;
    bot.on("message:text", async (ctx) => {
      const stream = client.messages.stream({
        model: "claude-test",
        max_tokens: 1024,
        messages: [{ role: "user", content: ctx.msg.text }],
      });
      await ctx.streamReply(stream);
      // The app's tool loop reads the call from the final message.
      final = await stream.finalMessage();
    });
    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "Weather in Oslo?"));
    expect(final?.stop_reason).toBe("tool_use");
    expect(final?.content.at(-1)).toMatchObject({ type: "tool_use", input: { city: "Oslo" } });
    expect(servers.emulator.visibleMessages(CHAT).map((m) => m.versions.at(-1)?.text)).toEqual([
      "Let me check.",
    ]);
  });
});
