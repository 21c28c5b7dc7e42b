/**
 * toStreamEvents over the real `@google/genai` client, streaming from a local
 * server that speaks the Gemini API's SSE protocol (`?alt=sse`).
 */
import { ApiError, GoogleGenAI } from "@google/genai";
import { afterEach, describe, expect, it } from "vitest";
import { toStreamEvents } from "../../shared/sources/index.js";
import { startGeminiServer } from "../support/gemini-server.js";
import type { ProtocolServer, Script } from "../support/protocol-server.js";
import { collect, runs } from "./collect.js";

let server: ProtocolServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: Script): Promise<GoogleGenAI> {
  server = await startGeminiServer(script);
  return new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: server.baseURL } });
}

const model = "gemini-test";
const contents = "What is the weather in Oslo?";

describe("@google/genai models.generateContentStream()", () => {
  it("streams text parts as deltas and ends at the finish reason", async () => {
    const ai = await clientFor([{ text: "Hello" }, { text: ", " }, { text: "world!" }]);
    const stream = await ai.models.generateContentStream({ model, contents });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual(["delta: Hello, world!", "done"]);
    expect(server?.requests[0]?.path).toBe(`/v1beta/models/${model}:streamGenerateContent`);
  });

  it("reads thought parts as reasoning, and a functionCall between two texts as one segment", async () => {
    const ai = await clientFor(({ index }) =>
      index === 0
        ? [
            { reasoning: "The user wants the weather." },
            { text: "Let me check." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ reasoning: "The tool says sunny." }, { text: "It is " }, { text: "sunny in Oslo." }],
    );
    const config = { thinkingConfig: { includeThoughts: true } };
    async function* toolLoop(signal: AbortSignal) {
      yield* await ai.models.generateContentStream({
        model,
        contents,
        config: { ...config, abortSignal: signal },
      });
      yield* await ai.models.generateContentStream({
        model,
        contents,
        config: { ...config, abortSignal: signal },
      });
    }
    const { events, error } = await collect(
      toStreamEvents((signal) => toolLoop(signal), new AbortController().signal),
    );
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "reasoning: The user wants the weather.",
      "delta: Let me check.",
      "segment",
      "reasoning: The tool says sunny.",
      "delta: It is sunny in Oslo.",
      "done",
    ]);
    expect(server?.requests).toHaveLength(2);
  });

  it("throws the SDK's own ApiError for an error mid-stream, after the text before it", async () => {
    const ai = await clientFor([{ text: "Partial " }, { text: "answer" }, { error: "Internal" }]);
    const stream = await ai.models.generateContentStream({ model, contents });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Partial answer"]);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
  });

  it("closes the HTTP request when the signal aborts, through the config's abortSignal", async () => {
    const ai = await clientFor([{ text: "Slow start" }, { delay: 60_000 }, { text: "never" }]);
    const controller = new AbortController();
    const seen: string[] = [];
    const events = toStreamEvents(
      (signal) =>
        ai.models.generateContentStream({ model, contents, config: { abortSignal: signal } }),
      controller.signal,
    );
    for await (const event of events) {
      if (event.type === "delta") seen.push(event.text);
      setTimeout(() => controller.abort(), 20);
    }
    expect(seen).toEqual(["Slow start"]);
    expect(await server?.requests[0]?.outcome).toBe("client-closed");
  });
});
