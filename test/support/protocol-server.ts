/**
 * The common part of the local vendor protocol servers (Anthropic, Gemini,
 * Ollama): an HTTP server on 127.0.0.1 that answers each streaming request by
 * playing a script, written in the vendor's wire format by the vendor's file.
 * It records what it received and whether the client hung up.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * One step of what the "model" says.
 * - `{ text }`: a piece of answer text.
 * - `{ reasoning }`: a piece of reasoning (thinking).
 * - `{ toolCall: { name, arguments, id? } }`: a tool call; `arguments` is JSON text.
 * - `{ delay: ms }`: wait before the next step (cut short if the client hangs up).
 * - `{ error: message }`: fail mid-stream, as the vendor does, and end the response.
 */
export type ScriptStep =
  | { text: string }
  | { reasoning: string }
  | { toolCall: { name: string; arguments: string; id?: string } }
  | { delay: number }
  | { error: string };

/** The script for a request: the same steps every time, or chosen per request. */
export type Script =
  | readonly ScriptStep[]
  | ((request: {
      path: string;
      body: Record<string, unknown>;
      index: number;
    }) => readonly ScriptStep[]);

/** What the server received; `outcome` settles when the response is over. */
export interface RecordedRequest {
  /** Request path without the query, e.g. `/v1/messages`. */
  path: string;
  /** The parsed JSON request body. */
  body: Record<string, unknown>;
  /**
   * `"completed"` when the whole script was sent, `"client-closed"` when the
   * client hung up first (an aborted request), `"failed"` after an error step.
   */
  outcome: Promise<"completed" | "client-closed" | "failed">;
}

/** A running server. */
export interface ProtocolServer {
  /** `http://127.0.0.1:<port>`: the root the vendor's client takes as its base URL or host. */
  baseURL: string;
  /** Every streaming request received so far, in arrival order. */
  requests: RecordedRequest[];
  /** Stop the server, dropping any open connection. */
  close(): Promise<void>;
}

/** A piece of the response body to write, or a pause. */
export type WireRecord = { write: string; failed?: boolean } | { delay: number };

/** How one vendor speaks. */
export interface Protocol {
  /** The response's content type, e.g. `text/event-stream`. */
  contentType: string;
  /**
   * Why this request is not served (a wrong path, no streaming asked for),
   * as `[status, JSON body]`; undefined to serve it.
   */
  reject(url: URL, body: Record<string, unknown>): [number, unknown] | undefined;
  /** The response body for `steps`, record by record. */
  records(steps: readonly ScriptStep[], body: Record<string, unknown>): Iterable<WireRecord>;
}

/** Start a server on 127.0.0.1 (random free port) speaking `protocol`, playing `script`. */
export async function startProtocolServer(
  protocol: Protocol,
  script: Script,
): Promise<ProtocolServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readJsonBody(req);
    const rejection = protocol.reject(url, body);
    if (rejection !== undefined) {
      res.writeHead(rejection[0], { "content-type": "application/json" });
      res.end(JSON.stringify(rejection[1]));
      return;
    }
    const path = url.pathname;
    const steps =
      typeof script === "function" ? script({ path, body, index: requests.length }) : script;
    let settle: (outcome: "completed" | "client-closed" | "failed") => void = () => {};
    const outcome = new Promise<"completed" | "client-closed" | "failed">((resolve) => {
      settle = resolve;
    });
    requests.push({ path, body, outcome });

    res.writeHead(200, { "content-type": protocol.contentType, "cache-control": "no-cache" });
    const connection = watchConnection(res);
    let failed = false;
    for (const record of protocol.records(steps, body)) {
      if (connection.closed) break;
      if ("delay" in record) {
        await connection.wait(record.delay);
        continue;
      }
      if (record.failed) failed = true;
      res.write(record.write);
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
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Split `text` in two halves, as servers stream a tool call's arguments. */
export function halves(text: string): [string, string] {
  const half = Math.floor(text.length / 2);
  return [text.slice(0, half), text.slice(half)];
}

/** Tracks whether the client hung up, and lets a pause end early when it does. */
export function watchConnection(res: ServerResponse): {
  readonly closed: boolean;
  wait(ms: number): Promise<void>;
} {
  let closed = false;
  const wakers = new Set<() => void>();
  res.on("close", () => {
    // "close" also fires after a normal `end()`; only a close before that is a hang-up.
    if (!res.writableEnded) closed = true;
    for (const wake of wakers) wake();
  });
  return {
    get closed() {
      return closed;
    },
    wait(ms) {
      return new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        wakers.add(wake);
      });
    },
  };
}

/** The request's JSON body as an object ({} when empty or not an object). */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString("utf8");
  if (text === "") return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
