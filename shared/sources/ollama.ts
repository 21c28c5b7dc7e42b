/**
 * The `ollama` client's streamed responses: `chat({ stream: true })` and
 * `generate({ stream: true })`, also the NDJSON lines of Ollama's HTTP API.
 */
import { type ChunkState, type EventSink, isRecord, optionalText, requiredText } from "./state.js";

/**
 * Whether `record` is an Ollama chunk: a boolean `done` with a `message`
 * (chat) or a string `response` (generate).
 */
export function isOllamaChunk(record: Record<string, unknown>): boolean {
  return (
    typeof record.done === "boolean" &&
    (isRecord(record.message) || typeof record.response === "string")
  );
}

/**
 * `message.content` (chat) or `response` (generate) is text,
 * `message.thinking` / `thinking` reasoning, `message.tool_calls` tool calls;
 * `done: true` ends the response: `done`, or a segment when it called a tool
 * (Ollama says `done_reason: "stop"` either way; the app continues with the
 * tool's result).
 */
export function readOllamaChunk(
  record: Record<string, unknown>,
  state: ChunkState,
  out: EventSink,
): void {
  state.family ??= "ollama";
  const chat = isRecord(record.message);
  const body = chat ? (record.message as Record<string, unknown>) : record;
  const what = chat ? "an Ollama chat chunk" : "an Ollama generate chunk";
  const thinking = optionalText(body.thinking, what, chat ? "message.thinking" : "thinking");
  if (thinking !== undefined) out.reasoning(thinking);
  if (chat) {
    const content = optionalText(body.content, what, "message.content");
    if (content !== undefined) out.text(content);
  } else {
    out.text(requiredText(body.response, "Ollama generate chunk", "response"));
  }
  if (Array.isArray(body.tool_calls) && body.tool_calls.length > 0) out.toolCall();
  if (record.done === true) out.responseEnd();
}
