/**
 * The AI SDK's stream parts (`streamText`'s `fullStream`, v4 to v7), its UI
 * message chunks (`toUIMessageStream()`), and Mastra's agent chunks
 * (`agent.stream()`), which use the same part names with the fields wrapped
 * in a `payload`.
 */
import type { ChunkState, EventSink } from "./state.js";
import { isRecord, requiredText, streamError } from "./state.js";

/** Part types that mark a tool or step boundary (v4 and Mastra names included). */
const BOUNDARIES = new Set([
  "tool-input-start",
  "tool-call",
  "start-step",
  "finish-step",
  "tool-call-streaming-start",
  "step-start",
  "step-finish",
  "tool-call-input-streaming-start",
]);

/** Part types that carry nothing for the chat (v4 to v7, UI message chunks, Mastra). */
const SKIPPED = new Set([
  "start",
  "abort",
  "text-start",
  "text-end",
  "reasoning-start",
  "reasoning-end",
  "reasoning-signature",
  "redacted-reasoning",
  "reasoning-part-finish",
  "tool-input-delta",
  "tool-input-end",
  "tool-call-delta",
  "tool-result",
  "tool-error",
  "tool-output-denied",
  "tool-approval-request",
  "tool-approval-response",
  "tool-input-available",
  "tool-input-error",
  "tool-output-available",
  "tool-output-error",
  "source",
  "source-url",
  "source-document",
  "file",
  "reasoning-file",
  "raw",
  "custom",
  "steering-message",
  "message-metadata",
  "response-metadata",
  "tool-call-input-streaming-end",
  "step-output",
  "tool-output",
]);

/**
 * Whether `record` is a Mastra chunk: `{ type, runId, from, payload }`. The
 * AI SDK's parts carry their fields at the top level, so a `payload` object
 * with a `runId` is what tells the two apart.
 */
export function isMastraChunk(record: Record<string, unknown>): boolean {
  return isRecord(record.payload) && typeof record.runId === "string";
}

/** Whether `type` is an AI SDK (or Mastra) part type this reader knows. */
export function isAiSdkPartType(type: string): boolean {
  return (
    type === "text-delta" ||
    type === "reasoning-delta" ||
    type === "finish" ||
    BOUNDARIES.has(type) ||
    SKIPPED.has(type) ||
    type.startsWith("data-")
  );
}

/**
 * `text-delta` (`text`, `textDelta` or `delta`) is text, `reasoning-delta`
 * and v4's `reasoning` (`textDelta`) reasoning; tool and step boundaries are
 * segments; `finish` is `done`; `error` throws the part's error (`error`, or a
 * UI chunk's `errorText`); the rest is skipped. A Mastra chunk is read the
 * same way from its `payload`. Types this reader does not know are skipped
 * (the caller checks the family first).
 */
export function readAiSdkPart(
  record: Record<string, unknown>,
  type: string,
  state: ChunkState,
  out: EventSink,
): void {
  const mastra = isMastraChunk(record);
  state.family ??= mastra ? "mastra" : "ai-sdk";
  const part = mastra ? (record.payload as Record<string, unknown>) : record;
  const what = mastra ? `Mastra ${type} chunk's payload` : `AI SDK ${type} part`;
  switch (type) {
    case "text-delta":
      out.text(requiredText(part.text ?? part.textDelta ?? part.delta, what, "text"));
      return;
    case "reasoning-delta":
    case "reasoning":
      out.reasoning(requiredText(part.text ?? part.textDelta ?? part.delta, what, "text"));
      return;
    case "finish":
      out.push({ type: "done" });
      return;
    case "error":
      throw streamError("error" in part ? part.error : part);
  }
  if (BOUNDARIES.has(type)) out.push({ type: "segment" });
}
