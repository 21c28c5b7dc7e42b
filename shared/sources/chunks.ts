/**
 * Detection: which SDK a chunk comes from, by its shape alone (no SDK is
 * imported), and the events it stands for.
 */
import { describeValue as describe } from "../describe.js";
import type { StreamEvent } from "../types.js";
import { Utf8ChunkDecoder } from "../utf8.js";
import { isAiSdkPartType, isMastraChunk, readAiSdkPart } from "./ai-sdk.js";
import { isAnthropicEvent, readAnthropicEvent } from "./anthropic.js";
import { isGeminiChunk, readGeminiChunk } from "./gemini.js";
import {
  isLangChainEvent,
  langChainMessage,
  readLangChainEvent,
  readLangChainMessage,
} from "./langchain.js";
import { isOllamaChunk, readOllamaChunk } from "./ollama.js";
import { isOpenAIAgentsEvent, readOpenAIAgentsEvent } from "./openai-agents.js";
import { isChatCompletionChunk, readChatCompletionChunk } from "./openai-chat.js";
import { isResponsesEvent, readResponsesEvent } from "./openai-responses.js";
import { type ChunkState, EventSink, isRecord, requiredText, streamError } from "./state.js";

const ACCEPTED_CHUNKS =
  'a string, a Uint8Array of UTF-8 bytes, an openai Chat Completions chunk ({ object: "chat.completion.chunk", choices }), ' +
  'an openai Responses event ({ type: "response.output_text.delta", delta }, ...), ' +
  'an AI SDK stream part or UI message chunk ({ type: "text-delta", text }, ...), ' +
  'a Mastra chunk ({ type: "text-delta", runId, payload }), ' +
  'an Anthropic stream event ({ type: "content_block_delta", delta }, ...), ' +
  "a Gemini response chunk ({ candidates }), an Ollama chunk ({ message, done }), " +
  'a LangChain AIMessageChunk or streamEvents event ({ event: "on_chat_model_stream", data }), ' +
  'an @openai/agents run event ({ type: "raw_model_stream_event", data }, ...), ' +
  'or a streamgram event ({ type: "delta", text }, { type: "reasoning", text }, { type: "segment" }, { type: "done" }); ' +
  "null and undefined are skipped";

/**
 * Classify one chunk (one item of an SDK stream, or a Node-RED msg.payload).
 * Returns the events it stands for (often one, sometimes none, e.g. a
 * role-only OpenAI chunk). `state` carries what must be remembered between
 * chunks of one stream: create it with {@link createChunkState}.
 *
 * Recognised (each SDK's module documents its mapping):
 * - a string is a `delta`; a `Uint8Array` (or Node `Buffer`) is UTF-8 bytes,
 *   decoded across chunk borders (a character split over two chunks comes out
 *   whole with the second); `null`/`undefined` give no events. Empty text
 *   gives no event.
 * - `openai`: Chat Completions chunks and Responses API events.
 * - the AI SDK: stream parts (v4 to v7) and UI message chunks; Mastra's agent
 *   chunks (the same part names, fields in `payload`).
 * - `@anthropic-ai/sdk`: raw message stream events (also what a
 *   `MessageStream` yields).
 * - `@google/genai`: `GenerateContentResponse` chunks.
 * - `ollama`: chat and generate chunks.
 * - LangChain: `AIMessageChunk`s and `streamEvents()` events.
 * - `@openai/agents`: run stream events.
 * - streamgram's own events pass through; a `delta` or `reasoning` event must
 *   carry a string `text`.
 *
 * Text is a `delta`, reasoning a `reasoning` event; a tool call (or a
 * hand-off) is a `segment` before it and before the text after it, so text on
 * either side lands in separate messages; the end of the answer is `done`.
 * Consecutive segments collapse into one: a tool call spread over many chunks
 * gives one boundary. A `done` first releases any bytes the decoder still
 * held (a truncated character comes out as U+FFFD). An `error` chunk (AI SDK,
 * Mastra, Anthropic, Responses API), or a bare `{ error }` record as Ollama,
 * Gemini and OpenAI-compatible servers send one on the wire, throws the error
 * it carries.
 *
 * Where two SDKs share a shape, a field tells them apart: a Mastra chunk has a
 * `payload` and a `runId` where an AI SDK part has its fields at the top
 * level. Once a stream's SDK is known, chunk types that SDK added later are
 * skipped instead of failing the stream.
 *
 * @throws TypeError naming the accepted shapes when the chunk is none of them,
 *   or when a recognised chunk carries text that is not a string.
 * @throws Error (or the SDK's own error object) when the chunk reports a failure.
 */
export function chunkToEvents(chunk: unknown, state: ChunkState): StreamEvent[] {
  if (typeof state !== "object" || state === null) {
    throw new TypeError(
      `chunkToEvents: state must be a ChunkState from createChunkState(), received ${describe(state)}`,
    );
  }
  const out = new EventSink(state);
  if (chunk === null || chunk === undefined) return out.events;
  if (typeof chunk === "string") {
    out.push({ type: "delta", text: chunk });
    return out.events;
  }
  if (chunk instanceof Uint8Array) {
    state.decoder ??= new Utf8ChunkDecoder();
    out.push({ type: "delta", text: state.decoder.decode(chunk) });
    return out.events;
  }
  if (typeof chunk !== "object") throw unsupportedChunk(chunk);

  const record = chunk as Record<string, unknown>;
  const message = langChainMessage(record);
  if (message !== undefined) {
    readLangChainMessage(message, state, out);
  } else if (typeof record.type === "string") {
    readTypedChunk(record, record.type, state, out);
  } else if (record.object === "chat.completion") {
    throw new TypeError(
      'chunkToEvents: received a finished chat completion (object: "chat.completion"), not a stream chunk; ' +
        "create it with stream: true",
    );
  } else if (isChatCompletionChunk(record)) {
    state.family ??= "openai-chat";
    readChatCompletionChunk(record, out);
  } else if (isGeminiChunk(record, state)) {
    readGeminiChunk(record, state, out);
  } else if (isOllamaChunk(record)) {
    readOllamaChunk(record, state, out);
  } else if (isLangChainEvent(record)) {
    readLangChainEvent(record, state, out);
  } else if (isRecord(record.error) || typeof record.error === "string") {
    // A failure as the wire sends it, read by a flow straight off the HTTP stream: Ollama's
    // `{ error: "..." }` line, an OpenAI-compatible or Gemini `{ error: { message, ... } }` record.
    throw streamError(record.error);
  } else {
    throw unsupportedChunk(chunk);
  }
  return out.events;
}

/** Chunks with a `type`: streamgram events, AI SDK and Mastra parts, Responses API, Anthropic and @openai/agents events. */
function readTypedChunk(
  record: Record<string, unknown>,
  type: string,
  state: ChunkState,
  out: EventSink,
): void {
  switch (type) {
    // streamgram's own events
    case "delta":
      out.text(requiredText(record.text, '{ type: "delta" } event', "text"));
      return;
    case "segment":
      out.push({ type: "segment" });
      return;
    case "done":
      out.push({ type: "done" });
      return;
    case "reasoning":
      // Also AI SDK v4's reasoning part, which carries `textDelta`.
      out.reasoning(
        requiredText(record.text ?? record.textDelta, '{ type: "reasoning" } event', "text"),
      );
      return;
    case "ping":
      // Anthropic's keep-alive (its SDK drops it; a raw SSE reader may not).
      return;
    case "error": {
      // AI SDK: { error } (UI chunks: errorText); Mastra: { payload: { error } };
      // Anthropic: { error: { type, message } }; Responses API: { message, code }.
      const body = isMastraChunk(record) ? (record.payload as Record<string, unknown>) : record;
      throw streamError("error" in body ? body.error : body);
    }
  }
  if (isResponsesEvent(type)) {
    state.family ??= "openai-responses";
    readResponsesEvent(record, type, out);
  } else if (isAnthropicEvent(type)) {
    readAnthropicEvent(record, type, state, out);
  } else if (isOpenAIAgentsEvent(type)) {
    readOpenAIAgentsEvent(record, type, state, out);
  } else if (isAiSdkPartType(type)) {
    readAiSdkPart(record, type, state, out);
  } else if (isMastraChunk(record)) {
    // A Mastra chunk type with no meaning for the chat (watch, tripwire, workflow events, ...).
    state.family ??= "mastra";
  } else if (state.family === undefined) {
    // Only a type from a newer version of an SDK this stream already spoke is skipped.
    throw unsupportedChunk(record);
  }
}

function unsupportedChunk(chunk: unknown): TypeError {
  return new TypeError(
    `chunkToEvents: unsupported chunk, received ${describe(chunk)}. Expected ${ACCEPTED_CHUNKS}.`,
  );
}
