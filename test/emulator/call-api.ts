/**
 * A bare Bot API call over HTTP, for tests that want to see exactly what
 * Telegram (here: the emulator) answers, without a client library between.
 */

/** The reply of one call: HTTP status and the decoded JSON body. */
export interface ApiReply<T = unknown> {
  status: number;
  body: {
    ok: boolean;
    result?: T;
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number };
  };
}

/** A token tests use when the bot's identity does not matter (bot id 123456). */
export const TEST_TOKEN = "123456:TEST-secret_token";

/**
 * POST `params` as JSON to `{apiRoot}/bot{token}/{method}` and decode the reply.
 * Network failures (an injected reset, say) reject like `fetch` does.
 */
export async function callApi<T = unknown>(
  apiRoot: string,
  method: string,
  params: Record<string, unknown> = {},
  options: { token?: string; signal?: AbortSignal } = {},
): Promise<ApiReply<T>> {
  const response = await fetch(`${apiRoot}/bot${options.token ?? TEST_TOKEN}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { status: response.status, body: (await response.json()) as ApiReply<T>["body"] };
}

/**
 * Resolve once `condition()` holds, checking every 5 ms; reject after
 * `timeoutMs` (default 2000). For tests that must wait until the emulator
 * has received a call that will not be answered yet (a long poll, a hang).
 */
export async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
