/**
 * The `openai` SDK's Chat Completions chunks (`chat.completions.create({ stream: true })`),
 * also what most OpenAI-compatible servers stream.
 */
import { type EventSink, isRecord, optionalText } from "./state.js";

const CHUNK = "a Chat Completions chunk";

/**
 * Whether `record` is a Chat Completions chunk: it has a `choices` array.
 * (`object: "chat.completion.chunk"` is not required: several compatible
 * servers leave it out.)
 */
export function isChatCompletionChunk(record: Record<string, unknown>): boolean {
  return Array.isArray(record.choices);
}

/**
 * Only choice 0 is read. `delta.content` and `delta.refusal` are text,
 * `delta.reasoning_content` / `delta.reasoning` reasoning; a tool-call delta
 * is a tool call; `finish_reason: "tool_calls"` ends a tool step (a segment),
 * any other finish reason is `done`.
 */
export function readChatCompletionChunk(record: Record<string, unknown>, out: EventSink): void {
  const choices = record.choices as unknown[];
  // With `n > 1` the choices interleave; a chat shows one answer, the first.
  const choice = choices.find((candidate) => isRecord(candidate) && (candidate.index ?? 0) === 0);
  // A chunk without choice 0 carries only usage (`stream_options.include_usage`).
  if (!isRecord(choice)) return;
  const delta = isRecord(choice.delta) ? choice.delta : {};

  const reasoning = readChatReasoning(delta);
  if (reasoning !== undefined) out.reasoning(reasoning);

  // A refusal is what the user gets instead of an answer, so it is shown like one.
  for (const field of ["content", "refusal"] as const) {
    const text = optionalText(delta[field], CHUNK, `delta.${field}`);
    if (text !== undefined) out.text(text);
  }

  const callsTool =
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) ||
    isRecord(delta.function_call);
  if (callsTool) out.toolCall();

  const finishReason = choice.finish_reason;
  if (finishReason === "tool_calls" || finishReason === "function_call") {
    out.toolStepEnd();
  } else if (typeof finishReason === "string") {
    out.push({ type: "done" });
  }
}

/** The reasoning text of a Chat Completions delta (`reasoning_content`, or `reasoning` as some servers name it). */
export function readChatReasoning(delta: Record<string, unknown>): string | undefined {
  return (
    optionalText(delta.reasoning_content, CHUNK, "delta.reasoning_content") ??
    optionalText(delta.reasoning, CHUNK, "delta.reasoning")
  );
}
