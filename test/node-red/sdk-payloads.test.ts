/**
 * The streamgram node on the real Node-RED runtime takes each LLM SDK's
 * chunks as msg.payload, one message per chunk, as a function node iterating
 * the SDK's stream sends them: Anthropic, Gemini, Ollama, LangChain,
 * @openai/agents, Mastra and the AI SDK's UI message stream, each streaming
 * from a local server that speaks its vendor's protocol.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StreamResult } from "../../shared/result.js";
import { startOllamaServer } from "../support/ollama-server.js";
import {
  chunksOf,
  FAILING,
  type LocalServer,
  SDK_CASES,
  TOOL_LOOP,
  TOOL_LOOP_MESSAGES,
} from "../support/sdk-sources.js";
import { loadHarness, unloadHarness, visibleTexts, waitFor } from "./harness.js";

let vendor: LocalServer | undefined;

afterEach(async () => {
  await unloadHarness();
  await vendor?.close();
  vendor = undefined;
});

const CHAT = 77;

describe.each(SDK_CASES)("$name chunks as msg.payload", (sdk) => {
  it("a tool call between two parts: two messages, the reasoning in the result only", async () => {
    vendor = await sdk.start(TOOL_LOOP);
    const h = await loadHarness();
    const source = await sdk.open(vendor.baseURL, 2);
    for await (const chunk of chunksOf(source)) h.send({ payload: chunk, chatId: CHAT });
    // An SDK whose chunks do not say where the answer ends needs the flow's done.
    if (!sdk.endsItself) h.send({ event: "done", chatId: CHAT });
    const result = (await waitFor(() => h.results[0])).payload as StreamResult;
    expect(visibleTexts(h.emulator, CHAT)).toEqual(TOOL_LOOP_MESSAGES);
    expect(result.text).toBe(TOOL_LOOP_MESSAGES.join(""));
    expect(result.reasoning).toBe("The user wants the weather.");
    expect(h.caught).toEqual([]);
  });

  it("a failure mid-stream: what arrived is persisted", async () => {
    vendor = await sdk.start(FAILING);
    const h = await loadHarness();
    const source = await sdk.open(vendor.baseURL, 1);
    let thrown: unknown;
    try {
      for await (const chunk of chunksOf(source)) h.send({ payload: chunk, chatId: CHAT });
    } catch (error) {
      // The SDK threw: the flow's function node stops the reply, keeping what arrived.
      thrown = error;
      h.send({ event: "abort", chatId: CHAT });
    }
    if (sdk.failsAsChunk) {
      expect(thrown).toBeUndefined();
      const caught = await waitFor(() => h.caught[0]);
      expect((caught.error as { message: string }).message).toMatch(/model overloaded/);
      expect(h.results).toEqual([]);
    } else {
      expect(thrown).toBeInstanceOf(sdk.errorClass);
      const result = (await waitFor(() => h.results[0])).payload as StreamResult;
      expect(result.aborted).toBe(true);
      expect(result.text).toBe("The first half made it.");
    }
    expect(visibleTexts(h.emulator, CHAT)).toEqual(["The first half made it."]);
  });
});

describe("Ollama's NDJSON read straight off HTTP, one parsed line per msg.payload", () => {
  /** What a flow without the SDK does: POST /api/chat, split the body into lines, parse each. */
  async function ndjsonLines(baseURL: string): Promise<unknown[]> {
    const response = await fetch(`${baseURL}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama-test", messages: [{ role: "user", content: "Hi" }] }),
    });
    const body = await response.text();
    return body
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as unknown);
  }

  it("streams the reply and ends it at the done line", async () => {
    vendor = await startOllamaServer([{ reasoning: "Easy." }, { text: "Four" }, { text: "." }]);
    const h = await loadHarness();
    for (const line of await ndjsonLines(vendor.baseURL)) h.send({ payload: line, chatId: CHAT });
    const result = (await waitFor(() => h.results[0])).payload as StreamResult;
    expect(visibleTexts(h.emulator, CHAT)).toEqual(["Four."]);
    expect(result.reasoning).toBe("Easy.");
  });

  it("an error line mid-stream: what arrived is persisted and the error goes to Catch", async () => {
    vendor = await startOllamaServer(FAILING);
    const h = await loadHarness();
    for (const line of await ndjsonLines(vendor.baseURL)) h.send({ payload: line, chatId: CHAT });
    const caught = await waitFor(() => h.caught[0]);
    expect((caught.error as { message: string }).message).toContain("model overloaded");
    expect(visibleTexts(h.emulator, CHAT)).toEqual(["The first half made it."]);
    expect(h.results).toEqual([]);
  });
});

describe("an error chunk mid-stream, as msg.payload", () => {
  it("Anthropic's error event: what arrived is persisted and the error goes to Catch", async () => {
    const h = await loadHarness();
    const chunks = [
      { type: "message_start", message: { id: "m", content: [] } },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "Half an answer" },
      },
    ];
    for (const chunk of chunks) h.send({ payload: chunk, chatId: CHAT });
    h.send({
      payload: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      chatId: CHAT,
      marker: "failing event",
    });
    const caught = await waitFor(() => h.caught[0]);
    expect(caught.marker).toBe("failing event");
    expect((caught.error as { message: string }).message).toContain("Overloaded");
    expect(visibleTexts(h.emulator, CHAT)).toEqual(["Half an answer"]);
    expect(h.results).toEqual([]);
  });

  it("Mastra's error chunk carries the model's error in its payload", async () => {
    const h = await loadHarness();
    const base = { runId: "run-1", from: "AGENT" };
    h.send({
      payload: { ...base, type: "text-delta", payload: { id: "t", text: "Half" } },
      chatId: CHAT,
    });
    h.send({
      payload: { ...base, type: "error", payload: { error: new Error("model overloaded") } },
      chatId: CHAT,
    });
    const caught = await waitFor(() => h.caught[0]);
    expect((caught.error as { message: string }).message).toContain("model overloaded");
    expect(visibleTexts(h.emulator, CHAT)).toEqual(["Half"]);
  });
});
