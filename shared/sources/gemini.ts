/**
 * `@google/genai`'s `models.generateContentStream()` chunks
 * (`GenerateContentResponse`), also what Gemini's REST API streams.
 */
import {
  type ChunkState,
  type EventSink,
  isRecord,
  optionalText,
  recordOf,
  streamError,
} from "./state.js";

/**
 * Whether `record` is a Gemini response chunk: it has `candidates`, or
 * `promptFeedback` (a blocked prompt), or, once the stream is known to be
 * Gemini's, only `usageMetadata`.
 */
export function isGeminiChunk(record: Record<string, unknown>, state: ChunkState): boolean {
  return (
    Array.isArray(record.candidates) ||
    isRecord(record.promptFeedback) ||
    (state.family === "gemini" && isRecord(record.usageMetadata))
  );
}

/**
 * Only the first candidate is read. Its text parts are text, parts marked
 * `thought: true` reasoning, `functionCall` parts tool calls; a
 * `finishReason` ends the response: `done`, or a segment when the response
 * called a function (Gemini says `"STOP"` either way; the app continues with
 * the function's result). A prompt blocked before any candidate throws an
 * Error naming the block reason.
 */
export function readGeminiChunk(
  record: Record<string, unknown>,
  state: ChunkState,
  out: EventSink,
): void {
  state.family ??= "gemini";
  const candidates = Array.isArray(record.candidates) ? record.candidates : [];
  const candidate = candidates.find((c) => isRecord(c) && (c.index ?? 0) === 0);
  if (!isRecord(candidate)) {
    const feedback = recordOf(record.promptFeedback);
    if (typeof feedback.blockReason === "string") {
      const detail =
        typeof feedback.blockReasonMessage === "string" ? `: ${feedback.blockReasonMessage}` : "";
      throw streamError(`Gemini blocked the prompt (${feedback.blockReason})${detail}`);
    }
    return;
  }
  const parts = recordOf(candidate.content).parts;
  for (const part of Array.isArray(parts) ? parts : []) {
    if (!isRecord(part)) continue;
    if (isRecord(part.functionCall)) {
      out.toolCall();
      continue;
    }
    const text = optionalText(part.text, "a Gemini part", "text");
    if (text === undefined) continue;
    if (part.thought === true) out.reasoning(text);
    else out.text(text);
  }
  if (typeof candidate.finishReason === "string") out.responseEnd();
}
