/**
 * A tiny local OpenAI-compatible server for tests and examples.
 *
 * It speaks just enough of the wire protocol for the real `openai` client and
 * the AI SDK's `@ai-sdk/openai` provider to stream from it: `POST
 * /v1/chat/completions` and `POST /v1/responses`, both with `stream: true`,
 * answered as server-sent events. What the "model" says is a script, so a test
 * can replay text, reasoning, tool calls, pauses and failures exactly.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readJsonBody, watchConnection } from "./protocol-server.js";

/**
 * One step of a script. Consecutive steps of the same kind form one run (one
 * output item in the Responses API).
 * - `{ text }`: a piece of answer text (`delta.content` / `response.output_text.delta`).
 * - `{ reasoning }`: a piece of reasoning (`delta.reasoning_content` /
 *   `response.reasoning_summary_text.delta`).
 * - `{ toolCall: { name, arguments, id? } }`: a function call; the arguments
 *   are streamed in two halves, as real servers split them.
 * - `{ delay: ms }`: wait before the next step (cut short if the client hangs up).
 * - `{ error: message, as? }`: fail mid-stream and end the response. Chat
 *   Completions sends `data: {"error": {...}}`. The Responses API sends an
 *   `event: error` record, or with `as: "response.failed"` a `response.failed`
 *   event carrying the message in `response.error`.
 */
export type OpenAIScriptStep =
  | { text: string }
  | { reasoning: string }
  | { toolCall: { name: string; arguments: string; id?: string } }
  | { delay: number }
  | { error: string; as?: "error-event" | "response.failed" };

/** What the server received; `outcome` settles when the response is over. */
export interface OpenAIRecordedRequest {
  /** Request path, e.g. `/v1/chat/completions`. */
  path: string;
  /** The parsed JSON request body. */
  body: Record<string, unknown>;
  /**
   * `"completed"` when the whole script was sent, `"client-closed"` when the
   * client hung up first (an aborted request), `"failed"` after an error step.
   */
  outcome: Promise<"completed" | "client-closed" | "failed">;
}

/** The script for a request: the same steps every time, or chosen per request. */
export type OpenAIScript =
  | readonly OpenAIScriptStep[]
  | ((request: {
      path: string;
      body: Record<string, unknown>;
      index: number;
    }) => readonly OpenAIScriptStep[]);

/** A running server; `baseURL` goes straight into `new OpenAI({ baseURL })` or `createOpenAI({ baseURL })`. */
export interface OpenAIServer {
  /** `http://127.0.0.1:<port>/v1`. */
  baseURL: string;
  /** Every request received so far, in arrival order. */
  requests: OpenAIRecordedRequest[];
  /** Stop the server, dropping any open connection. */
  close(): Promise<void>;
}

/**
 * Start a server on 127.0.0.1 (random free port) that answers every
 * streaming request by playing `script`. Requests to other paths get a 404,
 * and requests without `stream: true` a 400, so a test that forgets to stream
 * fails loudly.
 *
 * @example
 * const server = await startOpenAIServer([{ text: "Hel" }, { delay: 5 }, { text: "lo" }]);
 * const client = new OpenAI({ apiKey: "test", baseURL: server.baseURL });
 * const stream = await client.chat.completions.create({ model: "m", messages: [], stream: true });
 * // ... read stream ...
 * await server.close();
 */
export async function startOpenAIServer(script: OpenAIScript): Promise<OpenAIServer> {
  const requests: OpenAIRecordedRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const body = await readJsonBody(req);
    if (path !== "/v1/chat/completions" && path !== "/v1/responses") {
      sendJson(res, 404, {
        error: { message: `No route for ${path}`, type: "invalid_request_error" },
      });
      return;
    }
    if (body.stream !== true) {
      sendJson(res, 400, {
        error: { message: "This test server only streams", type: "invalid_request_error" },
      });
      return;
    }
    const steps =
      typeof script === "function" ? script({ path, body, index: requests.length }) : script;
    let settle: (outcome: "completed" | "client-closed" | "failed") => void = () => {};
    const outcome = new Promise<"completed" | "client-closed" | "failed">((resolve) => {
      settle = resolve;
    });
    requests.push({ path, body, outcome });

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const connection = watchConnection(res);
    const records =
      path === "/v1/chat/completions"
        ? chatCompletionRecords(steps, body)
        : responsesRecords(steps);
    let failed = false;
    for await (const record of records) {
      if (connection.closed) break;
      if ("delay" in record) {
        await connection.wait(record.delay);
        continue;
      }
      if (record.failed) failed = true;
      res.write(record.sse);
    }
    if (connection.closed) {
      settle("client-closed");
      return;
    }
    res.end();
    settle(failed ? "failed" : "completed");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A record to write (one SSE event), or a pause. */
type WireRecord = { sse: string; failed?: boolean } | { delay: number };

function dataRecord(payload: unknown, event?: string): { sse: string } {
  const eventLine = event === undefined ? "" : `event: ${event}\n`;
  return { sse: `${eventLine}data: ${JSON.stringify(payload)}\n\n` };
}

/** Chat Completions: one `chat.completion.chunk` per step, then `[DONE]`. */
function* chatCompletionRecords(
  steps: readonly OpenAIScriptStep[],
  body: Record<string, unknown>,
): Generator<WireRecord> {
  const id = "chatcmpl-test";
  const created = 1_767_225_600;
  const model = typeof body.model === "string" ? body.model : "test-model";
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    dataRecord({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });

  yield chunk({ role: "assistant", content: "", refusal: null });
  let toolIndex = -1;
  let lastOutput: "text" | "tool" | undefined;
  for (const step of steps) {
    if ("delay" in step) {
      yield { delay: step.delay };
    } else if ("text" in step) {
      yield chunk({ content: step.text });
      lastOutput = "text";
    } else if ("reasoning" in step) {
      yield chunk({ reasoning_content: step.reasoning });
    } else if ("toolCall" in step) {
      toolIndex += 1;
      const { name, arguments: args } = step.toolCall;
      const callId = step.toolCall.id ?? `call_${toolIndex}`;
      const half = Math.floor(args.length / 2);
      yield chunk({
        tool_calls: [
          {
            index: toolIndex,
            id: callId,
            type: "function",
            function: { name, arguments: args.slice(0, half) },
          },
        ],
      });
      yield chunk({
        tool_calls: [{ index: toolIndex, function: { arguments: args.slice(half) } }],
      });
      lastOutput = "tool";
    } else {
      yield {
        ...dataRecord({
          error: { message: step.error, type: "server_error", code: null, param: null },
        }),
        failed: true,
      };
      return;
    }
  }
  yield chunk({}, lastOutput === "tool" ? "tool_calls" : "stop");
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage === true) {
    yield dataRecord({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
    });
  }
  yield { sse: "data: [DONE]\n\n" };
}

/** Responses API: typed events, one output item per run of same-kind steps. */
function* responsesRecords(steps: readonly OpenAIScriptStep[]): Generator<WireRecord> {
  let sequence = 0;
  const event = (payload: Record<string, unknown>, name = payload.type as string) =>
    dataRecord({ ...payload, sequence_number: sequence++ }, name);
  const response = (status: string, output: unknown[], error: unknown = null) => ({
    id: "resp_test",
    object: "response",
    created_at: 1_767_225_600,
    status,
    error,
    incomplete_details: null,
    model: "test-model",
    output,
    usage: null,
  });

  const output: Record<string, unknown>[] = [];
  yield event({ type: "response.created", response: response("in_progress", []) });
  yield event({ type: "response.in_progress", response: response("in_progress", []) });

  // The item being streamed: its kind, its output index, and the text so far.
  let open: { kind: "text" | "reasoning"; item: Record<string, unknown>; text: string } | undefined;
  function* closeOpenItem(): Generator<WireRecord> {
    if (open === undefined) return;
    const outputIndex = output.length;
    const itemId = open.item.id;
    if (open.kind === "text") {
      const part = { type: "output_text", text: open.text, annotations: [], logprobs: [] };
      yield event({
        type: "response.output_text.done",
        item_id: itemId,
        output_index: outputIndex,
        content_index: 0,
        text: open.text,
        logprobs: [],
      });
      yield event({
        type: "response.content_part.done",
        item_id: itemId,
        output_index: outputIndex,
        content_index: 0,
        part,
      });
      open.item = { ...open.item, status: "completed", content: [part] };
    } else {
      const part = { type: "summary_text", text: open.text };
      yield event({
        type: "response.reasoning_summary_text.done",
        item_id: itemId,
        output_index: outputIndex,
        summary_index: 0,
        text: open.text,
      });
      yield event({
        type: "response.reasoning_summary_part.done",
        item_id: itemId,
        output_index: outputIndex,
        summary_index: 0,
        part,
      });
      open.item = { ...open.item, summary: [part] };
    }
    yield event({ type: "response.output_item.done", output_index: outputIndex, item: open.item });
    output.push(open.item);
    open = undefined;
  }
  function* openItem(kind: "text" | "reasoning"): Generator<WireRecord> {
    if (open?.kind === kind) return;
    yield* closeOpenItem();
    const outputIndex = output.length;
    const item =
      kind === "text"
        ? {
            id: `msg_${outputIndex}`,
            type: "message",
            status: "in_progress",
            role: "assistant",
            content: [],
          }
        : { id: `rs_${outputIndex}`, type: "reasoning", summary: [] };
    open = { kind, item, text: "" };
    yield event({ type: "response.output_item.added", output_index: outputIndex, item });
    if (kind === "text") {
      const part = { type: "output_text", text: "", annotations: [], logprobs: [] };
      yield event({
        type: "response.content_part.added",
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        part,
      });
    } else {
      const part = { type: "summary_text", text: "" };
      yield event({
        type: "response.reasoning_summary_part.added",
        item_id: item.id,
        output_index: outputIndex,
        summary_index: 0,
        part,
      });
    }
  }

  for (const step of steps) {
    if ("delay" in step) {
      yield { delay: step.delay };
    } else if ("text" in step) {
      yield* openItem("text");
      if (open === undefined) throw new Error("unreachable: no open item");
      open.text += step.text;
      yield event({
        type: "response.output_text.delta",
        item_id: open.item.id,
        output_index: output.length,
        content_index: 0,
        delta: step.text,
        logprobs: [],
      });
    } else if ("reasoning" in step) {
      yield* openItem("reasoning");
      if (open === undefined) throw new Error("unreachable: no open item");
      open.text += step.reasoning;
      yield event({
        type: "response.reasoning_summary_text.delta",
        item_id: open.item.id,
        output_index: output.length,
        summary_index: 0,
        delta: step.reasoning,
      });
    } else if ("toolCall" in step) {
      yield* closeOpenItem();
      const outputIndex = output.length;
      const { name, arguments: args } = step.toolCall;
      const item = {
        id: `fc_${outputIndex}`,
        type: "function_call",
        status: "in_progress",
        call_id: step.toolCall.id ?? `call_${outputIndex}`,
        name,
        arguments: "",
      };
      yield event({ type: "response.output_item.added", output_index: outputIndex, item });
      const half = Math.floor(args.length / 2);
      for (const delta of [args.slice(0, half), args.slice(half)]) {
        yield event({
          type: "response.function_call_arguments.delta",
          item_id: item.id,
          output_index: outputIndex,
          delta,
        });
      }
      yield event({
        type: "response.function_call_arguments.done",
        item_id: item.id,
        output_index: outputIndex,
        name,
        arguments: args,
      });
      const done = { ...item, status: "completed", arguments: args };
      yield event({ type: "response.output_item.done", output_index: outputIndex, item: done });
      output.push(done);
    } else {
      if (step.as === "response.failed") {
        const error = { code: "server_error", message: step.error };
        yield {
          ...event({ type: "response.failed", response: response("failed", output, error) }),
          failed: true,
        };
      } else {
        yield {
          ...event({ type: "error", code: "server_error", message: step.error, param: null }),
          failed: true,
        };
      }
      return;
    }
  }
  yield* closeOpenItem();
  yield event({ type: "response.completed", response: response("completed", output) });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}
