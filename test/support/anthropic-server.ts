/**
 * A local server speaking Anthropic's Messages API streaming protocol, for the
 * real `@anthropic-ai/sdk` client: `POST /v1/messages` with `stream: true`,
 * answered as server-sent events (`event: <type>` + `data: <json>`), as the
 * API documents them: `message_start`, then per content block
 * `content_block_start` / `content_block_delta` (`text_delta`,
 * `thinking_delta` + `signature_delta`, `input_json_delta`) /
 * `content_block_stop`, a `ping`, `message_delta` with the stop reason and
 * `message_stop`. An error mid-stream is an `event: error` record. Delays at
 * the end of a script are played after `message_stop`, the response still open.
 *
 * @example
 * const server = await startAnthropicServer([{ text: "Hi" }]);
 * const client = new Anthropic({ apiKey: "test", baseURL: server.baseURL });
 */
import {
  halves,
  type ProtocolServer,
  type Script,
  type ScriptStep,
  startProtocolServer,
  type WireRecord,
} from "./protocol-server.js";

/** Start the server on 127.0.0.1; `baseURL` goes into `new Anthropic({ baseURL })`. */
export function startAnthropicServer(script: Script): Promise<ProtocolServer> {
  return startProtocolServer(
    {
      contentType: "text/event-stream",
      reject(url, body) {
        if (url.pathname !== "/v1/messages") {
          return [404, errorBody("not_found_error", `No route for ${url.pathname}`)];
        }
        if (body.stream !== true) {
          return [400, errorBody("invalid_request_error", "This test server only streams")];
        }
        return undefined;
      },
      records: messageRecords,
    },
    script,
  );
}

function errorBody(type: string, message: string) {
  return { type: "error", error: { type, message } };
}

function sse(payload: { type: string } & Record<string, unknown>): WireRecord {
  return { write: `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n` };
}

type BlockKind = "text" | "thinking" | "tool_use";

function* messageRecords(
  steps: readonly ScriptStep[],
  body: Record<string, unknown>,
): Generator<WireRecord> {
  const model = typeof body.model === "string" ? body.model : "claude-test";
  yield sse({
    type: "message_start",
    message: {
      id: "msg_test",
      type: "message",
      role: "assistant",
      content: [],
      model,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 1 },
    },
  });
  let index = -1;
  let open: BlockKind | undefined;
  let lastKind: BlockKind | undefined;
  function* closeBlock(): Generator<WireRecord> {
    if (open === undefined) return;
    if (open === "thinking") {
      yield sse({
        type: "content_block_delta",
        index,
        delta: { type: "signature_delta", signature: "c2lnbmF0dXJl" },
      });
    }
    yield sse({ type: "content_block_stop", index });
    open = undefined;
  }
  function* openBlock(kind: BlockKind, start: Record<string, unknown>): Generator<WireRecord> {
    yield* closeBlock();
    index += 1;
    open = kind;
    lastKind = kind;
    yield sse({ type: "content_block_start", index, content_block: start });
    if (index === 0) yield sse({ type: "ping" });
  }

  // Delays after the last step are played after message_stop: the response stays open a while,
  // as on a slow connection, so a client that stops reading at message_stop is seen doing so.
  let lastContent = steps.length;
  while (lastContent > 0 && "delay" in (steps[lastContent - 1] ?? {})) lastContent -= 1;
  for (const step of steps.slice(0, lastContent)) {
    if ("delay" in step) {
      yield { delay: step.delay };
    } else if ("text" in step) {
      if (open !== "text") yield* openBlock("text", { type: "text", text: "" });
      yield sse({
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: step.text },
      });
    } else if ("reasoning" in step) {
      if (open !== "thinking") {
        yield* openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
      }
      yield sse({
        type: "content_block_delta",
        index,
        delta: { type: "thinking_delta", thinking: step.reasoning },
      });
    } else if ("toolCall" in step) {
      const { name, arguments: args } = step.toolCall;
      yield* openBlock("tool_use", {
        type: "tool_use",
        id: step.toolCall.id ?? `toolu_${index + 1}`,
        name,
        input: {},
      });
      for (const part of halves(args)) {
        yield sse({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: part },
        });
      }
      yield* closeBlock();
    } else {
      yield {
        ...sse({ type: "error", error: { type: "overloaded_error", message: step.error } }),
        failed: true,
      };
      return;
    }
  }
  yield* closeBlock();
  yield sse({
    type: "message_delta",
    delta: { stop_reason: lastKind === "tool_use" ? "tool_use" : "end_turn", stop_sequence: null },
    usage: { output_tokens: 42 },
  });
  yield sse({ type: "message_stop" });
  for (const step of steps.slice(lastContent)) yield step as { delay: number };
}
