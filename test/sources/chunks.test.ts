/**
 * chunkToEvents, one chunk at a time: the path the Node-RED node takes with
 * each msg.payload. Chunks here are shaped like the SDKs' own types.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChunkState, chunkToEvents, createChunkState } from "../../shared/sources/index.js";
import type { StreamEvent } from "../../shared/types.js";
import { runs, visibleText } from "./collect.js";

/** Feed chunks through one state, as one stream. */
function feed(chunks: readonly unknown[], state: ChunkState = createChunkState()): StreamEvent[] {
  return chunks.flatMap((chunk) => chunkToEvents(chunk, state));
}

function chatChunk(
  delta: Record<string, unknown>,
  finishReason: string | null = null,
): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_767_225_600,
    model: "gpt-test",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

describe("plain chunks", () => {
  it("turns each string into a delta and skips null, undefined and empty strings", () => {
    expect(feed(["Hel", null, "", undefined, "lo"])).toEqual([
      { type: "delta", text: "Hel" },
      { type: "delta", text: "lo" },
    ]);
  });

  it.each([
    [42, /number 42/],
    [true, /boolean true/],
    [10n, /bigint 10/],
    [Symbol("x"), /a symbol/],
    [() => "hi", /a function/],
  ])("rejects %s with a TypeError naming it and the accepted shapes", (chunk, received) => {
    const attempt = () => chunkToEvents(chunk, createChunkState());
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(received);
    expect(attempt).toThrow(/chat\.completion\.chunk/);
    expect(attempt).toThrow(/text-delta/);
  });

  it("rejects an object of no known shape, naming its keys", () => {
    expect(() => chunkToEvents({ content: "hi", role: "assistant" }, createChunkState())).toThrow(
      /unsupported chunk, received an object with keys \{content, role\}/,
    );
  });

  it("rejects a state that did not come from createChunkState", () => {
    expect(() => chunkToEvents("hi", undefined as unknown as ChunkState)).toThrow(TypeError);
  });

  it("decodes a UTF-8 character split over two byte chunks once, whole", () => {
    const bytes = new TextEncoder().encode("€");
    const state = createChunkState();
    expect(chunkToEvents(bytes.subarray(0, 2), state)).toEqual([]);
    expect(chunkToEvents(Buffer.from(bytes.subarray(2)), state)).toEqual([
      { type: "delta", text: "€" },
    ]);
  });

  it("flushes a truncated character as U+FFFD before done, rather than dropping it", () => {
    const bytes = new TextEncoder().encode("a😀");
    expect(feed([bytes.subarray(0, 3), { type: "done" }])).toEqual([
      { type: "delta", text: "a" },
      { type: "delta", text: "\uFFFD" },
      { type: "done" },
    ]);
  });

  it("decodes any text split into any byte chunks back to the same text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (text, rawCuts) => {
          const bytes = new TextEncoder().encode(text);
          const cuts = [...new Set(rawCuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const pieces = [0, ...cuts, bytes.length]
            .slice(1)
            .map((end, i, ends) => bytes.subarray(i === 0 ? 0 : (ends[i - 1] ?? 0), end));
          const events = feed([...pieces, { type: "done" }]);
          expect(visibleText(events)).toBe(text);
          expect(events.at(-1)).toEqual({ type: "done" });
        },
      ),
    );
  });
});

describe("streamgram events", () => {
  it("pass through unchanged", () => {
    expect(
      feed([
        { type: "reasoning", text: "hm" },
        { type: "delta", text: "Hi" },
        { type: "segment" },
        { type: "delta", text: "again" },
        { type: "done" },
      ]),
    ).toEqual([
      { type: "reasoning", text: "hm" },
      { type: "delta", text: "Hi" },
      { type: "segment" },
      { type: "delta", text: "again" },
      { type: "done" },
    ]);
  });

  it("reject a delta without string text", () => {
    expect(() => chunkToEvents({ type: "delta", text: 5 }, createChunkState())).toThrow(
      /\{ type: "delta" \} event needs a string `text`, received number 5/,
    );
    expect(() => chunkToEvents({ type: "delta" }, createChunkState())).toThrow(TypeError);
    expect(() => chunkToEvents({ type: "reasoning" }, createChunkState())).toThrow(TypeError);
  });

  it("collapse consecutive segments into one, also across chunks", () => {
    const state = createChunkState();
    expect(chunkToEvents({ type: "segment" }, state)).toEqual([{ type: "segment" }]);
    expect(chunkToEvents({ type: "segment" }, state)).toEqual([]);
    expect(chunkToEvents("x", state)).toEqual([{ type: "delta", text: "x" }]);
    expect(chunkToEvents({ type: "segment" }, state)).toEqual([{ type: "segment" }]);
  });

  it("never emit two segments in a row, and keep every character, whatever the order", () => {
    const chunk = fc.oneof(
      fc.string({ maxLength: 5 }),
      fc.constant({ type: "segment" }),
      fc.string({ maxLength: 5 }).map((text) => ({ type: "reasoning", text })),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 30 }), (chunks) => {
        const events = feed(chunks);
        for (let i = 1; i < events.length; i += 1) {
          expect(events[i]?.type === "segment" && events[i - 1]?.type === "segment").toBe(false);
        }
        const sent = chunks.filter((c): c is string => typeof c === "string").join("");
        expect(visibleText(events)).toBe(sent);
      }),
    );
  });
});

describe("openai Chat Completions chunks", () => {
  it("skips the role-only first chunk and turns content into deltas", () => {
    expect(
      feed([
        chatChunk({ role: "assistant", content: "", refusal: null }),
        chatChunk({ content: "Hello" }),
        chatChunk({ content: " there" }),
        chatChunk({}, "stop"),
      ]),
    ).toEqual([
      { type: "delta", text: "Hello" },
      { type: "delta", text: " there" },
      { type: "done" },
    ]);
  });

  it("reads reasoning_content (DeepSeek, vLLM) and reasoning (OpenRouter) as reasoning", () => {
    expect(
      runs(
        feed([
          chatChunk({ role: "assistant", reasoning_content: "Think" }),
          chatChunk({ reasoning: "ing." }),
          chatChunk({ content: "Answer" }),
        ]),
      ),
    ).toEqual(["reasoning: Thinking.", "delta: Answer"]);
  });

  it("marks one segment for a tool call spread over many chunks, and none more for its finish", () => {
    const toolCall = (args: string, first = false) =>
      chatChunk({
        tool_calls: [
          first
            ? {
                index: 0,
                id: "call_1",
                type: "function",
                function: { name: "weather", arguments: args },
              }
            : { index: 0, function: { arguments: args } },
        ],
      });
    expect(
      runs(
        feed([
          chatChunk({ role: "assistant", content: "" }),
          chatChunk({ content: "Let me check." }),
          toolCall("", true),
          toolCall('{"city"'),
          toolCall(':"Oslo"}'),
          chatChunk({}, "tool_calls"),
        ]),
      ),
    ).toEqual(["delta: Let me check.", "segment"]);
  });

  it("starts a new segment when text follows tool calls (the next request of a tool loop)", () => {
    expect(
      runs(
        feed([
          chatChunk({ content: "Checking." }),
          chatChunk({
            tool_calls: [{ index: 0, id: "c", type: "function", function: { name: "f" } }],
          }),
          chatChunk({ content: "It is sunny." }),
          chatChunk({}, "stop"),
        ]),
      ),
    ).toEqual(["delta: Checking.", "segment", "delta: It is sunny.", "done"]);
  });

  it("shows a refusal as visible text", () => {
    expect(feed([chatChunk({ refusal: "I can't help with that." })])).toEqual([
      { type: "delta", text: "I can't help with that." },
    ]);
  });

  it("treats length and content_filter as the end of the answer", () => {
    expect(feed([chatChunk({ content: "cut" }, "length")]).at(-1)).toEqual({ type: "done" });
    expect(feed([chatChunk({}, "content_filter")])).toEqual([{ type: "done" }]);
  });

  it("reads only the first choice when n > 1, and skips the usage-only chunk", () => {
    const twoChoices = {
      ...chatChunk({}),
      choices: [
        { index: 1, delta: { content: "B" }, finish_reason: null },
        { index: 0, delta: { content: "A" }, finish_reason: null },
      ],
    };
    const usageOnly = { ...chatChunk({}), choices: [], usage: { total_tokens: 3 } };
    expect(feed([twoChoices, usageOnly])).toEqual([{ type: "delta", text: "A" }]);
  });

  it("rejects content that is not a string, and a non-streamed completion", () => {
    expect(() => chunkToEvents(chatChunk({ content: 7 }), createChunkState())).toThrow(
      /delta\.content must be a string, received number 7/,
    );
    const completion = {
      object: "chat.completion",
      choices: [{ index: 0, message: { content: "hi" } }],
    };
    expect(() => chunkToEvents(completion, createChunkState())).toThrow(/stream: true/);
  });
});

describe("openai Responses API events", () => {
  const item = (type: string, id: string) => ({
    type: "response.output_item.added",
    output_index: 0,
    sequence_number: 1,
    item: { id, type },
  });
  const textDelta = (delta: string) => ({
    type: "response.output_text.delta",
    item_id: "msg_1",
    output_index: 0,
    content_index: 0,
    delta,
    logprobs: [],
    sequence_number: 2,
  });
  const completed = (output: unknown[]) => ({
    type: "response.completed",
    sequence_number: 9,
    response: { id: "resp_1", object: "response", status: "completed", output },
  });

  it("maps text, reasoning summaries and completion", () => {
    expect(
      runs(
        feed([
          { type: "response.created", sequence_number: 0, response: { id: "resp_1", output: [] } },
          item("reasoning", "rs_1"),
          { type: "response.reasoning_summary_part.added", summary_index: 0, sequence_number: 2 },
          { type: "response.reasoning_summary_text.delta", delta: "**Plan**", summary_index: 0 },
          { type: "response.reasoning_summary_part.added", summary_index: 1, sequence_number: 4 },
          {
            type: "response.reasoning_summary_text.delta",
            delta: "Answer briefly.",
            summary_index: 1,
          },
          { type: "response.reasoning_text.delta", delta: " More.", content_index: 0 },
          item("message", "msg_1"),
          textDelta("Hi"),
          textDelta("!"),
          { type: "response.output_text.done", text: "Hi!" },
          completed([{ type: "reasoning" }, { type: "message" }]),
        ]),
      ),
    ).toEqual(["reasoning: **Plan**\n\nAnswer briefly. More.", "delta: Hi!", "done"]);
  });

  it("marks one segment at a function call and none more for the item after it", () => {
    expect(
      runs(
        feed([
          item("message", "msg_1"),
          textDelta("Looking it up."),
          item("function_call", "fc_1"),
          { type: "response.function_call_arguments.delta", delta: "{}", item_id: "fc_1" },
          item("message", "msg_2"),
          textDelta("Found it."),
          completed([{ type: "message" }, { type: "function_call" }, { type: "message" }]),
        ]),
      ),
    ).toEqual(["delta: Looking it up.", "segment", "delta: Found it.", "segment"]);
  });

  it("treats hosted tool calls (web search) as boundaries too", () => {
    expect(
      runs(
        feed([
          textDelta("Searching."),
          item("web_search_call", "ws_1"),
          item("message", "m"),
          textDelta("Done."),
        ]),
      ),
    ).toEqual(["delta: Searching.", "segment", "delta: Done."]);
  });

  it("does not end the answer when the response waits for a function result", () => {
    const events = feed([
      item("function_call", "fc_1"),
      completed([{ type: "function_call", name: "weather", arguments: "{}" }]),
    ]);
    expect(events).toEqual([{ type: "segment" }]);
  });

  it("ends the answer on response.incomplete", () => {
    expect(feed([textDelta("cut sho"), { type: "response.incomplete", response: {} }])).toEqual([
      { type: "delta", text: "cut sho" },
      { type: "done" },
    ]);
  });

  it("throws the server's message for response.failed and error events", () => {
    const failed = {
      type: "response.failed",
      sequence_number: 5,
      response: { status: "failed", error: { code: "server_error", message: "The model crashed" } },
    };
    expect(() => chunkToEvents(failed, createChunkState())).toThrow(
      "The model crashed (server_error)",
    );
    const error = { type: "error", code: "rate_limit_exceeded", message: "Slow down", param: null };
    expect(() => chunkToEvents(error, createChunkState())).toThrow(
      "Slow down (rate_limit_exceeded)",
    );
  });

  it("skips event types it does not know, such as newer ones", () => {
    expect(feed([{ type: "response.some_future_event.delta", delta: "x" }])).toEqual([]);
  });
});

describe("AI SDK stream parts", () => {
  it("maps a v7 fullStream with a tool step to one segment between text runs", () => {
    const parts = [
      { type: "start" },
      { type: "start-step", request: {}, warnings: [] },
      { type: "reasoning-start", id: "r" },
      { type: "reasoning-delta", id: "r", text: "Need weather." },
      { type: "reasoning-end", id: "r" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", text: "Checking" },
      { type: "text-delta", id: "t", text: "…" },
      { type: "tool-input-start", id: "c1", toolName: "weather" },
      { type: "tool-input-delta", id: "c1", delta: "{}" },
      { type: "text-end", id: "t" },
      { type: "tool-input-end", id: "c1" },
      { type: "tool-call", toolCallId: "c1", toolName: "weather", input: {} },
      { type: "tool-result", toolCallId: "c1", toolName: "weather", output: "sunny" },
      { type: "finish-step", finishReason: "tool-calls" },
      { type: "start-step", request: {}, warnings: [] },
      { type: "text-delta", id: "t2", text: "Sunny." },
      { type: "finish-step", finishReason: "stop" },
      { type: "finish", finishReason: "stop", totalUsage: {} },
    ];
    expect(runs(feed(parts))).toEqual([
      "segment",
      "reasoning: Need weather.",
      "delta: Checking…",
      "segment",
      "delta: Sunny.",
      "segment",
      "done",
    ]);
  });

  it("accepts v4 part names (textDelta, reasoning, step-start) and UI message chunks (delta)", () => {
    expect(
      runs(
        feed([
          { type: "step-start", messageId: "m" },
          { type: "reasoning", textDelta: "hm" },
          { type: "text-delta", textDelta: "Hi" },
          { type: "tool-call-streaming-start", toolCallId: "c", toolName: "f" },
          { type: "text-delta", id: "t", delta: " again" },
          { type: "reasoning-delta", id: "r", delta: "!" },
          { type: "data-weather", data: { city: "Oslo" } },
        ]),
      ),
    ).toEqual([
      "segment",
      "reasoning: hm",
      "delta: Hi",
      "segment",
      "delta:  again",
      "reasoning: !",
    ]);
  });

  it("throws the error an error part carries", () => {
    const cause = new Error("provider exploded");
    expect(() => chunkToEvents({ type: "error", error: cause }, createChunkState())).toThrow(cause);
    expect(() =>
      chunkToEvents({ type: "error", errorText: "ui failure" }, createChunkState()),
    ).toThrow("ui failure");
  });

  it("skips unknown part types once the stream is known to be the AI SDK's, and not before", () => {
    expect(
      feed([{ type: "start" }, { type: "brand-new-part", value: 1 }, { type: "abort" }]),
    ).toEqual([]);
    expect(() => chunkToEvents({ type: "brand-new-part" }, createChunkState())).toThrow(
      /unsupported chunk, received an object with type "brand-new-part"/,
    );
  });

  it("rejects a text-delta without text", () => {
    expect(() => chunkToEvents({ type: "text-delta", id: "t" }, createChunkState())).toThrow(
      /text-delta part needs a string `text`, received undefined/,
    );
  });
});
