/**
 * `@anthropic-ai/sdk`'s raw stream events: what `messages.create({ stream: true })`
 * yields, and what its `messages.stream()` helper (`MessageStream`) yields
 * when iterated.
 */
import { type ChunkState, type EventSink, recordOf, requiredText } from "./state.js";

const EVENT_TYPES = new Set([
  "message_start",
  "message_delta",
  "message_stop",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
]);

/** Content blocks in which the model calls a tool (its own, a server tool, an MCP server's). */
const TOOL_BLOCKS = new Set(["tool_use", "server_tool_use", "mcp_tool_use"]);

/**
 * Stop reasons after which the app continues the turn: it runs the tool
 * (`tool_use`), or sends the paused turn back (`pause_turn`).
 */
const CONTINUING_STOPS = new Set(["tool_use", "pause_turn"]);

/** Whether `type` names an Anthropic message stream event (`ping` and `error` are read elsewhere). */
export function isAnthropicEvent(type: string): boolean {
  return EVENT_TYPES.has(type);
}

/**
 * `text_delta`s are text and `thinking_delta`s reasoning; a `tool_use` (or
 * server or MCP tool) block is a tool call; `message_stop` is `done`, or a
 * segment when the message stopped for a tool (`stop_reason: "tool_use"` or
 * `"pause_turn"`: the app continues with another message). Signatures,
 * citations, tool input JSON and block ends carry nothing for the chat.
 */
export function readAnthropicEvent(
  record: Record<string, unknown>,
  type: string,
  state: ChunkState,
  out: EventSink,
): void {
  state.family ??= "anthropic";
  const what = `Anthropic ${type} event`;
  switch (type) {
    case "message_start":
      state.calledTool = false;
      return;
    case "content_block_start": {
      const block = recordOf(record.content_block);
      if (typeof block.type === "string" && TOOL_BLOCKS.has(block.type)) out.toolCall();
      // A block may start with text already in it (the API sends it empty today).
      else if (block.type === "text" && typeof block.text === "string") out.text(block.text);
      else if (block.type === "thinking" && typeof block.thinking === "string")
        out.reasoning(block.thinking);
      return;
    }
    case "content_block_delta": {
      const delta = recordOf(record.delta);
      if (delta.type === "text_delta") out.text(requiredText(delta.text, what, "delta.text"));
      else if (delta.type === "thinking_delta")
        out.reasoning(requiredText(delta.thinking, what, "delta.thinking"));
      return;
    }
    case "message_delta": {
      const stopReason = recordOf(record.delta).stop_reason;
      if (typeof stopReason === "string") state.calledTool = CONTINUING_STOPS.has(stopReason);
      return;
    }
    case "message_stop":
      out.responseEnd();
      return;
  }
}
