/**
 * A local server speaking Ollama's HTTP API streaming protocol, for the real
 * `ollama` client: `POST /api/chat` and `POST /api/generate` (streaming unless
 * `stream: false`), answered as NDJSON, one JSON object per line:
 * `message.content` / `response` for text, `message.thinking` / `thinking`
 * for reasoning, `message.tool_calls` (whole calls, arguments as an object),
 * and a last line with `done: true`, `done_reason: "stop"` (also after a tool
 * call) and the timings. An error mid-stream is a `{"error": "..."}` line.
 *
 * @example
 * const server = await startOllamaServer([{ text: "Hi" }]);
 * const ollama = new Ollama({ host: server.baseURL });
 */
import {
  type ProtocolServer,
  type Script,
  type ScriptStep,
  startProtocolServer,
  type WireRecord,
} from "./protocol-server.js";

/** Start the server on 127.0.0.1; `baseURL` goes into `new Ollama({ host })`. */
export function startOllamaServer(script: Script): Promise<ProtocolServer> {
  return startProtocolServer(
    {
      contentType: "application/x-ndjson",
      reject(url, body) {
        if (url.pathname !== "/api/chat" && url.pathname !== "/api/generate") {
          return [404, { error: `no route for ${url.pathname}` }];
        }
        if (body.stream === false) return [400, { error: "this test server only streams" }];
        return undefined;
      },
      records: (steps, body) => lineRecords(steps, body),
    },
    script,
  );
}

function line(payload: unknown, failed = false): WireRecord {
  return { write: `${JSON.stringify(payload)}\n`, failed };
}

function* lineRecords(
  steps: readonly ScriptStep[],
  body: Record<string, unknown>,
): Generator<WireRecord> {
  // /api/chat requests carry messages; /api/generate requests a prompt.
  const chat = Array.isArray(body.messages);
  const model = typeof body.model === "string" ? body.model : "llama-test";
  const createdAt = "2026-01-01T00:00:00.000000Z";
  const piece = (fields: { content?: string; thinking?: string; tool_calls?: unknown[] }) =>
    chat
      ? line({
          model,
          created_at: createdAt,
          message: { role: "assistant", content: "", ...fields },
          done: false,
        })
      : line({
          model,
          created_at: createdAt,
          response: fields.content ?? "",
          ...(fields.thinking === undefined ? {} : { thinking: fields.thinking }),
          done: false,
        });
  for (const step of steps) {
    if ("delay" in step) {
      yield { delay: step.delay };
    } else if ("text" in step) {
      yield piece({ content: step.text });
    } else if ("reasoning" in step) {
      yield piece({ thinking: step.reasoning });
    } else if ("toolCall" in step) {
      const { name, arguments: args } = step.toolCall;
      yield piece({ tool_calls: [{ function: { name, arguments: JSON.parse(args) as unknown } }] });
    } else {
      yield line({ error: step.error }, true);
      return;
    }
  }
  const last = {
    model,
    created_at: createdAt,
    ...(chat ? { message: { role: "assistant", content: "" } } : { response: "" }),
    done: true,
    done_reason: "stop",
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: 9,
    prompt_eval_duration: 200_000,
    eval_count: 5,
    eval_duration: 600_000,
  };
  yield line(last);
}
