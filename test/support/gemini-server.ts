/**
 * A local server speaking the Gemini API's streaming protocol, for the real
 * `@google/genai` client: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`,
 * answered as server-sent events of `GenerateContentResponse` JSON
 * (`data: {...}` records separated by CRLF CRLF, as Google's servers send
 * them). Text parts, `thought: true` parts for reasoning, whole
 * `functionCall` parts (Gemini does not stream a call's arguments), and a
 * last chunk with `finishReason: "STOP"` (also after a function call) and
 * usage. An error mid-stream is a `data: {"error": {code, message, status}}`
 * record.
 *
 * @example
 * const server = await startGeminiServer([{ text: "Hi" }]);
 * const ai = new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: server.baseURL } });
 */
import {
  type ProtocolServer,
  type Script,
  type ScriptStep,
  startProtocolServer,
  type WireRecord,
} from "./protocol-server.js";

const ROUTE = /^\/v1beta\/models\/[^/]+:streamGenerateContent$/;

/** Start the server on 127.0.0.1; `baseURL` goes into `httpOptions.baseUrl`. */
export function startGeminiServer(script: Script): Promise<ProtocolServer> {
  return startProtocolServer(
    {
      contentType: "text/event-stream",
      reject(url) {
        if (!ROUTE.test(url.pathname)) {
          return [404, googleError(404, `No route for ${url.pathname}`, "NOT_FOUND")];
        }
        if (url.searchParams.get("alt") !== "sse") {
          return [400, googleError(400, "This test server only streams SSE", "INVALID_ARGUMENT")];
        }
        return undefined;
      },
      records: chunkRecords,
    },
    script,
  );
}

function googleError(code: number, message: string, status: string) {
  return { error: { code, message, status } };
}

function data(payload: unknown, failed = false): WireRecord {
  return { write: `data: ${JSON.stringify(payload)}\r\n\r\n`, failed };
}

function* chunkRecords(steps: readonly ScriptStep[]): Generator<WireRecord> {
  const chunk = (parts: unknown[], finishReason?: string) =>
    data({
      candidates: [
        {
          content: { parts, role: "model" },
          ...(finishReason === undefined ? {} : { finishReason }),
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 5, totalTokenCount: 14 },
      modelVersion: "gemini-test",
      responseId: "resp-test",
    });
  for (const step of steps) {
    if ("delay" in step) {
      yield { delay: step.delay };
    } else if ("text" in step) {
      yield chunk([{ text: step.text }]);
    } else if ("reasoning" in step) {
      yield chunk([{ text: step.reasoning, thought: true }]);
    } else if ("toolCall" in step) {
      const { name, arguments: args } = step.toolCall;
      yield chunk([
        {
          functionCall: { name, args: JSON.parse(args) as unknown },
          thoughtSignature: "c2lnbmF0dXJl",
        },
      ]);
    } else {
      yield data(googleError(500, step.error, "INTERNAL"), true);
      return;
    }
  }
  yield chunk([{ text: "" }], "STOP");
}
