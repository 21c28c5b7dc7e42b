/**
 * toStreamEvents over the real `ollama` client, streaming NDJSON from a local
 * server that speaks Ollama's HTTP API.
 */
import { Ollama } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { toStreamEvents } from "../../shared/sources/index.js";
import { startOllamaServer } from "../support/ollama-server.js";
import type { ProtocolServer, Script } from "../support/protocol-server.js";
import { collect, runs } from "./collect.js";

let server: ProtocolServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: Script): Promise<Ollama> {
  server = await startOllamaServer(script);
  return new Ollama({ host: server.baseURL });
}

const model = "llama-test";
const messages = [{ role: "user", content: "What is the weather in Oslo?" }];

describe("ollama chat({ stream: true })", () => {
  it("streams message.content as deltas and ends at done: true", async () => {
    const ollama = await clientFor([{ text: "Hello" }, { text: ", " }, { text: "world!" }]);
    const stream = await ollama.chat({ model, messages, stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual(["delta: Hello, world!", "done"]);
  });

  it("reads message.thinking as reasoning, and tool_calls between two texts as one segment", async () => {
    const ollama = await clientFor(({ index }) =>
      index === 0
        ? [
            { reasoning: "The user wants the weather." },
            { text: "Let me check." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ reasoning: "Sunny, says the tool." }, { text: "It is " }, { text: "sunny in Oslo." }],
    );
    async function* toolLoop() {
      yield* await ollama.chat({ model, messages, stream: true, think: true });
      yield* await ollama.chat({ model, messages, stream: true, think: true });
    }
    const { events, error } = await collect(
      toStreamEvents(toolLoop(), new AbortController().signal),
    );
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "reasoning: The user wants the weather.",
      "delta: Let me check.",
      "segment",
      "reasoning: Sunny, says the tool.",
      "delta: It is sunny in Oslo.",
      "done",
    ]);
    expect(server?.requests).toHaveLength(2);
  });

  it("throws the SDK's own error for an error line mid-stream, after the text before it", async () => {
    const ollama = await clientFor([
      { text: "Partial " },
      { text: "answer" },
      { error: "model crashed" },
    ]);
    const stream = await ollama.chat({ model, messages, stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Partial answer"]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("model crashed");
  });

  it("aborts the request through the stream's abort() when the signal aborts", async () => {
    const ollama = await clientFor([{ text: "Slow start" }, { delay: 60_000 }, { text: "never" }]);
    const stream = await ollama.chat({ model, messages, stream: true });
    const controller = new AbortController();
    for await (const event of toStreamEvents(stream, controller.signal)) {
      if (event.type === "delta") setTimeout(() => controller.abort(), 20);
    }
    expect(await server?.requests[0]?.outcome).toBe("client-closed");
  });
});

describe("ollama generate({ stream: true })", () => {
  it("streams response as deltas and thinking as reasoning", async () => {
    const ollama = await clientFor([{ reasoning: "Easy." }, { text: "Four" }, { text: "." }]);
    const stream = await ollama.generate({ model, prompt: "2+2?", stream: true, think: true });
    const { events } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["reasoning: Easy.", "delta: Four.", "done"]);
  });
});
