/**
 * The `openai` SDK's Responses API events (`responses.create({ stream: true })`).
 */
import { type EventSink, isRecord, recordOf, requiredText, streamError } from "./state.js";

/** Whether `type` names a Responses API event (`response.*`). */
export function isResponsesEvent(type: string): boolean {
  return type.startsWith("response.");
}

/**
 * `response.output_text.delta` and `response.refusal.delta` are text;
 * `response.reasoning_summary_text.delta` and `response.reasoning_text.delta`
 * are reasoning (a new summary part starts with a blank line);
 * `response.output_item.added` for a tool call (any `*_call` item) is a tool
 * call, and the first item after one a new segment; `response.completed` is
 * `done`, unless its output ends waiting for a function call's result (a
 * segment: the app continues with another response); `response.incomplete`
 * is `done`; `response.failed` throws the server's error. Other events carry
 * nothing for the chat.
 */
export function readResponsesEvent(
  record: Record<string, unknown>,
  type: string,
  out: EventSink,
): void {
  if (readResponsesReasoning(record, type, out)) return;
  switch (type) {
    case "response.output_text.delta":
    case "response.refusal.delta":
      out.text(requiredText(record.delta, `${type} event`, "delta"));
      return;
    case "response.output_item.added": {
      const item = recordOf(record.item);
      if (isToolCallItem(item)) out.toolCall();
      return;
    }
    case "response.completed":
      if (awaitsFunctionResult(recordOf(record.response))) out.toolStepEnd();
      else out.push({ type: "done" });
      return;
    case "response.incomplete":
      // Cut short (e.g. max_output_tokens): what was streamed is the answer.
      out.push({ type: "done" });
      return;
    case "response.failed": {
      const response = recordOf(record.response);
      throw streamError(
        isRecord(response.error) ? response.error : { message: "The response failed" },
      );
    }
  }
}

/**
 * The reasoning events of the Responses API; true when `type` was one.
 * Shared with `@openai/agents`, whose raw model events wrap them.
 */
export function readResponsesReasoning(
  record: Record<string, unknown>,
  type: string,
  out: EventSink,
): boolean {
  switch (type) {
    case "response.reasoning_summary_text.delta":
    case "response.reasoning_text.delta":
      out.reasoning(requiredText(record.delta, `${type} event`, "delta"));
      return true;
    case "response.reasoning_summary_part.added":
      // Summary parts are paragraphs; without a break they would run together.
      if (typeof record.summary_index === "number" && record.summary_index > 0) {
        out.reasoning("\n\n");
      }
      return true;
  }
  return false;
}

/** Tool calls are the output items whose type ends in `_call`: function_call, web_search_call, ... */
function isToolCallItem(item: Record<string, unknown>): boolean {
  return typeof item.type === "string" && item.type.endsWith("_call");
}

/**
 * A response whose output holds a function call ends waiting for the app to
 * run the function and start the next response: the answer goes on.
 */
function awaitsFunctionResult(response: Record<string, unknown>): boolean {
  const output = Array.isArray(response.output) ? response.output : [];
  return output.some(
    (item) => isRecord(item) && (item.type === "function_call" || item.type === "custom_tool_call"),
  );
}
