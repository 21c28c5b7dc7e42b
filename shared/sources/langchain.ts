/**
 * LangChain: the `AIMessageChunk`s a chat model's (or any Runnable's)
 * `stream()` yields, and the events of `streamEvents()`.
 */
import { type ChunkState, type EventSink, isRecord, optionalText, recordOf } from "./state.js";

/** Content block types in which the model calls a tool (LangChain's own and providers' native ones). */
const TOOL_BLOCKS = new Set([
  "tool_call",
  "tool_call_chunk",
  "tool_use",
  "server_tool_call",
  "server_tool_call_chunk",
  "server_tool_use",
  "input_json_delta",
  "function_call",
]);

/**
 * The fields of a LangChain AI message chunk, or undefined when `record` is
 * none: an `AIMessageChunk` (`type: "ai"` with `content`) or its serialised
 * form (`{ lc: 1, type: "constructor", id: [..., "AIMessageChunk"], kwargs }`).
 */
export function langChainMessage(
  record: Record<string, unknown>,
): Record<string, unknown> | undefined {
  if (record.type === "ai" && "content" in record) return record;
  if (
    record.lc === 1 &&
    record.type === "constructor" &&
    Array.isArray(record.id) &&
    (record.id.at(-1) === "AIMessageChunk" || record.id.at(-1) === "AIMessage") &&
    isRecord(record.kwargs)
  ) {
    return record.kwargs;
  }
  return undefined;
}

/** Whether `record` is a `streamEvents()` event: `{ event: "on_...", data, run_id }`. */
export function isLangChainEvent(record: Record<string, unknown>): boolean {
  return (
    typeof record.event === "string" && record.event.startsWith("on_") && isRecord(record.data)
  );
}

/**
 * An AI message chunk: string `content` is text; content blocks of type
 * `text` are text, `reasoning` and `thinking` blocks (and
 * `additional_kwargs.reasoning_content`) reasoning, tool blocks and
 * `tool_call_chunks` tool calls. A chunk does not say that the answer ended:
 * the end of the source does (or, in Node-RED, a `done` message).
 */
export function readLangChainMessage(
  message: Record<string, unknown>,
  state: ChunkState,
  out: EventSink,
): void {
  state.family ??= "langchain";
  const what = "a LangChain AIMessageChunk";
  const kwargsReasoning = optionalText(
    recordOf(message.additional_kwargs).reasoning_content,
    what,
    "additional_kwargs.reasoning_content",
  );
  if (kwargsReasoning !== undefined) out.reasoning(kwargsReasoning);
  const content = message.content;
  if (typeof content === "string") {
    out.text(content);
  } else if (Array.isArray(content)) {
    for (const block of content) readContentBlock(block, out);
  } else if (content !== undefined && content !== null) {
    throw new TypeError(
      `chunkToEvents: ${what}'s content must be a string or an array of content blocks, received ${typeof content}`,
    );
  }
  if (Array.isArray(message.tool_call_chunks) && message.tool_call_chunks.length > 0) {
    out.toolCall();
  }
}

function readContentBlock(block: unknown, out: EventSink): void {
  if (typeof block === "string") {
    out.text(block);
    return;
  }
  if (!isRecord(block) || typeof block.type !== "string") return;
  const what = `a LangChain ${block.type} content block`;
  if (block.type === "text" || block.type === "text_delta") {
    out.text(optionalText(block.text, what, "text") ?? "");
  } else if (block.type === "reasoning") {
    out.reasoning(optionalText(block.reasoning, what, "reasoning") ?? "");
  } else if (block.type === "thinking") {
    out.reasoning(optionalText(block.thinking, what, "thinking") ?? "");
  } else if (TOOL_BLOCKS.has(block.type)) {
    out.toolCall();
  }
}

/**
 * A `streamEvents()` event: `on_chat_model_stream` carries an AI message
 * chunk (read as above), `on_llm_stream` a text generation chunk; a tool's
 * start (`on_tool_start`) is a tool call; the end of the root run is
 * `done`: an `on_*_end` whose `parent_ids` is empty, or (without
 * `parent_ids`, as @langchain/core 1.x sends them) the end of the run whose
 * start was the stream's first event. A Node-RED flow, whose node sees no
 * state before the first text, sends `done` itself. Other events carry
 * nothing for the chat.
 */
export function readLangChainEvent(
  record: Record<string, unknown>,
  state: ChunkState,
  out: EventSink,
): void {
  const event = record.event as string;
  const data = record.data as Record<string, unknown>;
  const runId = typeof record.run_id === "string" ? record.run_id : undefined;
  // The stream's first event is the root run's start, if the state saw the stream from its beginning.
  if (state.family === undefined && event.endsWith("_start")) state.rootRun = runId;
  state.family ??= "langchain";
  if (event === "on_chat_model_stream") {
    const chunk = recordOf(data.chunk);
    readLangChainMessage(langChainMessage(chunk) ?? chunk, state, out);
  } else if (event === "on_llm_stream") {
    out.text(
      optionalText(
        recordOf(data.chunk).text,
        "a LangChain on_llm_stream event",
        "data.chunk.text",
      ) ?? "",
    );
  } else if (event === "on_tool_start") {
    out.toolCall();
  } else if (event.endsWith("_end") && isRootRun(record, runId, state)) {
    out.push({ type: "done" });
  }
}

function isRootRun(
  record: Record<string, unknown>,
  runId: string | undefined,
  state: ChunkState,
): boolean {
  if (Array.isArray(record.parent_ids)) return record.parent_ids.length === 0;
  return runId !== undefined && runId === state.rootRun;
}
