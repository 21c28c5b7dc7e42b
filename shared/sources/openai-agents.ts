/**
 * `@openai/agents`: the events of a `StreamedRunResult`
 * (`run(agent, input, { stream: true })`).
 */
import { isChatCompletionChunk, readChatReasoning } from "./openai-chat.js";
import { readResponsesReasoning } from "./openai-responses.js";
import { type ChunkState, type EventSink, isRecord, recordOf, requiredText } from "./state.js";

const EVENT_TYPES = new Set([
  "raw_model_stream_event",
  "run_item_stream_event",
  "agent_updated_stream_event",
]);

/** Run items that mean the agent calls a tool or hands off to another agent. */
const TOOL_ITEMS = new Set([
  "tool_called",
  "tool_search_called",
  "handoff_requested",
  "handoff_occurred",
  "tool_approval_requested",
]);

/** Whether `type` names a run stream event of `@openai/agents`. */
export function isOpenAIAgentsEvent(type: string): boolean {
  return EVENT_TYPES.has(type);
}

/**
 * Raw model events of type `output_text_delta` are text; reasoning is read
 * from the provider's own events they wrap (`data.type: "model"`: a Responses
 * API reasoning delta, or a Chat Completions chunk's reasoning); a tool call
 * or a hand-off (run items `tool_called`, `handoff_requested`, ...) is a tool
 * call, so the next turn's text starts a new segment. A run does not say that
 * it ended: the end of the source does (or, in Node-RED, a `done` message).
 */
export function readOpenAIAgentsEvent(
  record: Record<string, unknown>,
  type: string,
  state: ChunkState,
  out: EventSink,
): void {
  state.family ??= "openai-agents";
  if (type === "run_item_stream_event") {
    if (typeof record.name === "string" && TOOL_ITEMS.has(record.name)) out.toolCall();
    return;
  }
  if (type !== "raw_model_stream_event") return;
  const data = recordOf(record.data);
  if (data.type === "output_text_delta") {
    out.text(requiredText(data.delta, "@openai/agents output_text_delta event", "delta"));
    return;
  }
  if (data.type !== "model" || !isRecord(data.event)) return;
  const inner = data.event;
  if (typeof inner.type === "string") {
    readResponsesReasoning(inner, inner.type, out);
  } else if (isChatCompletionChunk(inner)) {
    const choice = (inner.choices as unknown[]).find(
      (candidate) => isRecord(candidate) && (candidate.index ?? 0) === 0,
    );
    const reasoning = readChatReasoning(recordOf(recordOf(choice).delta));
    if (reasoning !== undefined) out.reasoning(reasoning);
  }
}
