/**
 * chunkToEvents on the chunks of each SDK, one at a time (the path Node-RED's
 * msg.payload takes): the shapes the SDK tests do not reach, the shapes two
 * SDKs share, and a property over every vendor's encoding of one answer.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChunkState, chunkToEvents, createChunkState } from "../../shared/sources/index.js";
import type { StreamEvent } from "../../shared/types.js";
import { anyString, markdownish } from "../format/arbitraries.js";
import { runs } from "./collect.js";

function feed(chunks: readonly unknown[], state: ChunkState = createChunkState()): StreamEvent[] {
  return chunks.flatMap((chunk) => chunkToEvents(chunk, state));
}

describe("shapes two SDKs share", () => {
  it("tells a Mastra chunk from an AI SDK part by its payload and runId", () => {
    const aiSdk = { type: "text-delta", id: "t1", text: "AI SDK" };
    const mastra = {
      type: "text-delta",
      runId: "r1",
      from: "AGENT",
      payload: { id: "t1", text: "Mastra" },
    };
    expect(feed([aiSdk])).toEqual([{ type: "delta", text: "AI SDK" }]);
    expect(feed([mastra])).toEqual([{ type: "delta", text: "Mastra" }]);
    // Without the payload's text, the Mastra chunk is a clear TypeError, not an empty delta.
    expect(() => feed([{ ...mastra, payload: { id: "t1" } }])).toThrow(
      /Mastra text-delta chunk's payload/,
    );
  });

  it("skips a Mastra-only chunk type once a payload shows it is Mastra, even as the first chunk", () => {
    const chunks = [
      { type: "watch", runId: "r1", from: "AGENT", payload: {} },
      {
        type: "tool-call-input-streaming-start",
        runId: "r1",
        from: "AGENT",
        payload: { toolCallId: "c1" },
      },
      { type: "text-delta", runId: "r1", from: "AGENT", payload: { id: "t", text: "after" } },
      { type: "finish", runId: "r1", from: "AGENT", payload: {} },
    ];
    expect(runs(feed(chunks))).toEqual(["segment", "delta: after", "done"]);
  });

  it("throws the error each SDK's error chunk carries", () => {
    const cause = new Error("sdk error");
    expect(() => feed([{ type: "error", error: cause }])).toThrow(cause);
    expect(() =>
      feed([{ type: "error", runId: "r", from: "AGENT", payload: { error: cause } }]),
    ).toThrow(cause);
    expect(() =>
      feed([{ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }]),
    ).toThrow("Overloaded");
    expect(() => feed([{ type: "error", errorText: "UI says no" }])).toThrow("UI says no");
  });

  it("throws a bare error record as the wire sends it (Ollama, Gemini, OpenAI-compatible), after what came before", () => {
    const state = createChunkState();
    expect(
      feed([{ model: "m", message: { role: "assistant", content: "Half" }, done: false }], state),
    ).toEqual([{ type: "delta", text: "Half" }]);
    expect(() => chunkToEvents({ error: "model crashed" }, state)).toThrow("model crashed");
    expect(() => feed([{ error: { code: 500, message: "Internal", status: "INTERNAL" } }])).toThrow(
      "Internal",
    );
  });

  it("reads a streamgram reasoning event and AI SDK v4's reasoning part alike", () => {
    expect(
      feed([
        { type: "reasoning", text: "a" },
        { type: "reasoning", textDelta: "b" },
      ]),
    ).toEqual([
      { type: "reasoning", text: "a" },
      { type: "reasoning", text: "b" },
    ]);
  });

  it("treats Anthropic's ping as nothing, without deciding the SDK: an unknown type after it still fails", () => {
    const state = createChunkState();
    expect(chunkToEvents({ type: "ping" }, state)).toEqual([]);
    expect(() => chunkToEvents({ type: "mystery" }, state)).toThrow(/unsupported chunk/);
  });

  it("skips a new event type of an SDK the stream already spoke, and rejects it as the first chunk", () => {
    const start = { type: "message_start", message: { id: "m", content: [] } };
    expect(feed([start, { type: "content_block_future", index: 0 }])).toEqual([]);
    expect(() => feed([{ type: "content_block_future", index: 0 }])).toThrow(TypeError);
  });

  it("names every accepted SDK in the TypeError for an unknown shape", () => {
    const attempt = () => chunkToEvents({ content: "hi", role: "assistant" }, createChunkState());
    expect(attempt).toThrow(TypeError);
    for (const name of [
      "Anthropic",
      "Gemini",
      "Ollama",
      "LangChain",
      "Mastra",
      "@openai/agents",
      "AI SDK",
    ]) {
      expect(attempt).toThrow(name);
    }
  });
});

describe("Anthropic events", () => {
  const event = (type: string, fields: Record<string, unknown> = {}) => ({ type, ...fields });
  const stop = (reason: string) => [
    event("message_delta", { delta: { stop_reason: reason, stop_sequence: null } }),
    event("message_stop"),
  ];

  it("a server tool (web search) inside one message continues the answer: the message's end is done", () => {
    const chunks = [
      event("message_start", { message: { content: [] } }),
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Searching." } }),
      event("content_block_start", {
        index: 1,
        content_block: { type: "server_tool_use", id: "s", name: "web_search" },
      }),
      event("content_block_start", {
        index: 2,
        content_block: { type: "web_search_tool_result", content: [] },
      }),
      event("content_block_start", { index: 3, content_block: { type: "text", text: "" } }),
      event("content_block_delta", { index: 3, delta: { type: "citations_delta", citation: {} } }),
      event("content_block_delta", { index: 3, delta: { type: "text_delta", text: "Found." } }),
      ...stop("end_turn"),
    ];
    expect(runs(feed(chunks))).toEqual(["delta: Searching.", "segment", "delta: Found.", "done"]);
  });

  it("a paused turn (pause_turn) is a segment: the app sends it back to continue", () => {
    const chunks = [
      event("message_start", { message: { content: [] } }),
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Part." } }),
      ...stop("pause_turn"),
    ];
    expect(runs(feed(chunks))).toEqual(["delta: Part.", "segment"]);
  });

  it("rejects a text_delta whose text is not a string", () => {
    expect(() =>
      feed([event("content_block_delta", { index: 0, delta: { type: "text_delta", text: 5 } })]),
    ).toThrow(/delta\.text/);
  });
});

describe("Gemini chunks", () => {
  it("throws the block reason of a blocked prompt", () => {
    expect(() => feed([{ promptFeedback: { blockReason: "SAFETY" } }])).toThrow(
      /blocked the prompt \(SAFETY\)/,
    );
  });

  it("skips a usage-only chunk once the stream is Gemini's, and reads only the first candidate", () => {
    const chunks = [
      {
        candidates: [
          { index: 1, content: { parts: [{ text: "second candidate" }] } },
          { index: 0, content: { parts: [{ text: "first" }] } },
        ],
      },
      { usageMetadata: { totalTokenCount: 3 } },
      { candidates: [{ index: 0, content: { parts: [] }, finishReason: "MAX_TOKENS" }] },
    ];
    expect(runs(feed(chunks))).toEqual(["delta: first", "done"]);
  });
});

describe("LangChain messages", () => {
  it("reads a serialised AIMessageChunk (its toJSON form)", () => {
    const serialised = {
      lc: 1,
      type: "constructor",
      id: ["langchain_core", "messages", "AIMessageChunk"],
      kwargs: { content: "From JSON", tool_call_chunks: [], additional_kwargs: {} },
    };
    expect(feed([serialised])).toEqual([{ type: "delta", text: "From JSON" }]);
  });

  it("reads Anthropic-native thinking blocks and tool_use blocks in the content", () => {
    const chunks = [
      { type: "ai", content: [{ type: "thinking", thinking: "hm", index: 0 }] },
      { type: "ai", content: [{ type: "text", text: "Checking.", index: 1 }] },
      { type: "ai", content: [{ type: "tool_use", id: "t", name: "w", input: "", index: 2 }] },
      { type: "ai", content: [{ type: "input_json_delta", input: "{}", index: 2 }] },
      { type: "ai", content: "Done." },
    ];
    expect(runs(feed(chunks))).toEqual([
      "reasoning: hm",
      "delta: Checking.",
      "segment",
      "delta: Done.",
    ]);
  });
});

describe("LangChain streamEvents events", () => {
  const ev = (event: string, runId: string, data: Record<string, unknown> = {}) => ({
    event,
    run_id: runId,
    name: "x",
    tags: [],
    metadata: {},
    data,
  });
  const text = (runId: string, content: string) =>
    ev("on_chat_model_stream", runId, { chunk: { type: "ai", content } });

  it("ends at the end of the root run, whose start was the first event, not at a nested run's end", () => {
    const chunks = [
      ev("on_chain_start", "root"),
      ev("on_chat_model_start", "model"),
      text("model", "Hi"),
      ev("on_chat_model_end", "model"),
      ev("on_chain_end", "root"),
    ];
    expect(runs(feed(chunks))).toEqual(["delta: Hi", "done"]);
  });

  it("without the root's start (a flow's first chunk is text), no end is guessed", () => {
    expect(runs(feed([text("model", "Hi"), ev("on_chat_model_end", "model")]))).toEqual([
      "delta: Hi",
    ]);
  });

  it("reads parent_ids when the events carry them", () => {
    const chunks = [text("model", "Hi"), { ...ev("on_chain_end", "root"), parent_ids: [] }];
    expect(runs(feed(chunks))).toEqual(["delta: Hi", "done"]);
  });
});

describe("@openai/agents events", () => {
  it("reads reasoning from a wrapped Chat Completions chunk, and a tool call item as a segment", () => {
    const chunks = [
      { type: "raw_model_stream_event", data: { type: "response_started" } },
      {
        type: "raw_model_stream_event",
        data: { type: "model", event: { choices: [{ index: 0, delta: { reasoning: "hm" } }] } },
      },
      // The wrapped provider event's text is not read: the output_text_delta carries it once.
      {
        type: "raw_model_stream_event",
        data: { type: "model", event: { type: "response.output_text.delta", delta: "Hi" } },
      },
      { type: "raw_model_stream_event", data: { type: "output_text_delta", delta: "Hi" } },
      { type: "run_item_stream_event", name: "tool_called", item: {} },
      { type: "run_item_stream_event", name: "tool_output", item: {} },
      { type: "agent_updated_stream_event", agent: {} },
      { type: "raw_model_stream_event", data: { type: "output_text_delta", delta: "Bye" } },
    ];
    expect(runs(feed(chunks))).toEqual(["reasoning: hm", "delta: Hi", "segment", "delta: Bye"]);
  });
});

describe("every vendor's encoding of one answer", () => {
  type Step = { text: string } | { reasoning: string } | { tool: string };

  /** The chunks each SDK yields for `steps`, as one response (a tool call does not end it). */
  const encoders: Record<string, (steps: readonly Step[]) => unknown[]> = {
    anthropic: (steps) => [
      { type: "message_start", message: { content: [] } },
      ...steps.map((step, index) =>
        "text" in step
          ? { type: "content_block_delta", index, delta: { type: "text_delta", text: step.text } }
          : "reasoning" in step
            ? {
                type: "content_block_delta",
                index,
                delta: { type: "thinking_delta", thinking: step.reasoning },
              }
            : {
                type: "content_block_start",
                index,
                content_block: { type: "tool_use", id: step.tool, name: "t", input: {} },
              },
      ),
    ],
    gemini: (steps) =>
      steps.map((step) => ({
        candidates: [
          {
            index: 0,
            content: {
              role: "model",
              parts: [
                "text" in step
                  ? { text: step.text }
                  : "reasoning" in step
                    ? { text: step.reasoning, thought: true }
                    : { functionCall: { name: step.tool, args: {} } },
              ],
            },
          },
        ],
      })),
    ollama: (steps) =>
      steps.map((step) => ({
        model: "m",
        done: false,
        message: {
          role: "assistant",
          content: "text" in step ? step.text : "",
          ...("reasoning" in step ? { thinking: step.reasoning } : {}),
          ...("tool" in step
            ? { tool_calls: [{ function: { name: step.tool, arguments: {} } }] }
            : {}),
        },
      })),
    langchain: (steps) =>
      steps.map((step) => ({
        type: "ai",
        content:
          "text" in step
            ? step.text
            : "reasoning" in step
              ? [{ type: "reasoning", reasoning: step.reasoning }]
              : "",
        tool_call_chunks: "tool" in step ? [{ name: step.tool, args: "{}", index: 0 }] : [],
      })),
    mastra: (steps) =>
      steps.map((step) => ({
        runId: "r",
        from: "AGENT",
        ...("text" in step
          ? { type: "text-delta", payload: { id: "t", text: step.text } }
          : "reasoning" in step
            ? { type: "reasoning-delta", payload: { id: "r", text: step.reasoning } }
            : { type: "tool-call", payload: { toolCallId: step.tool, toolName: "t", args: {} } }),
      })),
    "openai-agents": (steps) =>
      steps.map((step) =>
        "text" in step
          ? {
              type: "raw_model_stream_event",
              data: { type: "output_text_delta", delta: step.text },
            }
          : "reasoning" in step
            ? {
                type: "raw_model_stream_event",
                data: {
                  type: "model",
                  event: { type: "response.reasoning_text.delta", delta: step.reasoning },
                },
              }
            : { type: "run_item_stream_event", name: "tool_called", item: { id: step.tool } },
      ),
  };

  // Text as models write it, worst cases included: unbalanced Markdown, tables, HTML, flags and
  // ZWJ emoji, lone surrogates, and now and then a long run of it.
  const text = fc
    .oneof(
      { weight: 8, arbitrary: anyString },
      {
        weight: 1,
        arbitrary: fc.array(markdownish, { minLength: 20, maxLength: 60 }).map((p) => p.join("")),
      },
    )
    .filter((t) => t !== "");
  const step: fc.Arbitrary<Step> = fc.oneof(
    text.map((t) => ({ text: t })),
    text.map((t) => ({ reasoning: t })),
    fc.string({ minLength: 1, maxLength: 8 }).map((id) => ({ tool: id })),
  );

  /** What the chat must show: the texts in order, a new message after each tool call that has text before it. */
  function expected(steps: readonly Step[]): { texts: string[]; reasoning: string } {
    const texts: string[] = [];
    let open = false;
    let afterTool = false;
    for (const s of steps) {
      if ("tool" in s) afterTool = true;
      else if ("text" in s) {
        if (!open || (afterTool && texts.length > 0)) texts.push("");
        texts[texts.length - 1] += s.text;
        open = true;
        afterTool = false;
      }
    }
    const reasoning = steps.map((s) => ("reasoning" in s ? s.reasoning : "")).join("");
    return { texts, reasoning };
  }

  /** What a chat consumer would make of the events: a new message at each segment after text. */
  function shown(events: readonly StreamEvent[]): { texts: string[]; reasoning: string } {
    const texts: string[] = [];
    let boundary = true;
    let reasoning = "";
    for (const event of events) {
      if (event.type === "segment") boundary = true;
      else if (event.type === "reasoning") reasoning += event.text;
      else if (event.type === "delta") {
        if (boundary || texts.length === 0) texts.push("");
        texts[texts.length - 1] += event.text;
        boundary = false;
      }
    }
    return { texts, reasoning };
  }

  it.each(Object.keys(encoders))(
    "%s: every text and reasoning piece arrives once, in order, split at tool calls",
    (name) => {
      const encode = encoders[name];
      if (encode === undefined) throw new Error(`no encoder ${name}`);
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
          expect(shown(feed(encode(steps)))).toEqual(expected(steps));
        }),
        { numRuns: 200 },
      );
    },
  );
});
