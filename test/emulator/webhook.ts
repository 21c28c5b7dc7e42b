/**
 * Webhook delivery as Telegram does it: after `setWebhook`, each pending
 * update is POSTed as JSON to the webhook URL (with the
 * `X-Telegram-Bot-Api-Secret-Token` header when a secret was set), one at a
 * time and in order; an update is confirmed by a 2xx answer and delivered
 * again, after a growing pause, when the answer is late or not 2xx.
 *
 * One webhook per emulator, as there is one update queue per emulator.
 */

import { request } from "node:http";
import { performance } from "node:perf_hooks";
import { ApiError, badRequest } from "./errors.js";
import type { Params } from "./params.js";
import type { Update, WebhookAttempt, WebhookOptions } from "./types.js";
import type { UpdateQueue } from "./updates.js";

/** The timeout and back-off of webhook delivery, in real milliseconds (already scaled). */
export interface ResolvedWebhookOptions {
  timeoutMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/** Telegram does not publish its webhook timeout or retry schedule; these are plausible stand-ins. */
export const DEFAULT_WEBHOOK_OPTIONS: Readonly<Required<WebhookOptions>> = Object.freeze({
  timeoutMs: 60_000,
  retryDelayMs: 1_000,
  maxRetryDelayMs: 32_000,
});

/**
 * Validate `options.webhook` and scale its durations by `timeScale`.
 * @throws TypeError or RangeError naming the option.
 */
export function resolveWebhookOptions(
  options: WebhookOptions | undefined,
  timeScale: number,
): ResolvedWebhookOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(
      "webhook must be an object { timeoutMs?, retryDelayMs?, maxRetryDelayMs? }",
    );
  }
  const merged = { ...DEFAULT_WEBHOOK_OPTIONS, ...options };
  for (const key of ["timeoutMs", "retryDelayMs", "maxRetryDelayMs"] as const) {
    const value = merged[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`webhook.${key} must be a positive number, got ${String(value)}`);
    }
  }
  return {
    timeoutMs: merged.timeoutMs * timeScale,
    retryDelayMs: merged.retryDelayMs * timeScale,
    maxRetryDelayMs: merged.maxRetryDelayMs * timeScale,
  };
}

/** `secret_token`: 1-256 characters A-Z, a-z, 0-9, `_` and `-`. */
const SECRET_TOKEN = /^[A-Za-z0-9_-]*$/;

/** What `setWebhook` asked for. */
interface WebhookTarget {
  url: URL;
  secretToken: string | undefined;
  allowedUpdates: string[] | undefined;
}

/** The last failed delivery, as `getWebhookInfo` reports it. */
interface LastError {
  date: number;
  message: string;
}

/** A delivery attempt's outcome, before it is recorded. */
type Outcome = Pick<WebhookAttempt, "outcome" | "status" | "error">;

/** The webhook of one emulator: its settings, its delivery loop and its record. */
export class WebhookDelivery {
  /** Every delivery attempt, in order. */
  readonly attempts: WebhookAttempt[] = [];
  private target: WebhookTarget | undefined;
  private lastError: LastError | undefined;
  /** Stops the running delivery loop (and its request in flight). */
  private stopLoop: AbortController | undefined;
  private closed = false;

  constructor(
    private readonly updates: UpdateQueue,
    private readonly options: ResolvedWebhookOptions,
  ) {}

  /** Whether a webhook is set: `getUpdates` then answers 409 Conflict. */
  get active(): boolean {
    return this.target !== undefined;
  }

  /**
   * `setWebhook`: validate, replace any previous webhook and start delivering.
   * An empty `url` removes the webhook, as Telegram does.
   * @throws ApiError 400 for a bad URL or secret token.
   */
  set(params: Params): true {
    const url = params.string("url") ?? "";
    const secretToken = params.string("secret_token");
    if (secretToken !== undefined) {
      if (secretToken.length > 256) throw badRequest("secret token is too long");
      if (secretToken === "" || !SECRET_TOKEN.test(secretToken)) {
        throw badRequest("secret token contains unallowed characters");
      }
    }
    const allowed = params.raw.allowed_updates;
    if (
      allowed !== undefined &&
      !(Array.isArray(allowed) && allowed.every((a) => typeof a === "string"))
    ) {
      throw badRequest('field "allowed_updates" must be an Array of String');
    }
    if (url === "") {
      this.remove(params.bool("drop_pending_updates"));
      return true;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest("bad webhook: Failed to resolve host: Name or service not known");
    }
    if (parsed.protocol !== "http:") {
      // Telegram wants https; the emulator delivers to local test servers over plain http.
      throw badRequest("bad webhook: the emulator delivers to http:// URLs only");
    }
    this.stop();
    if (params.bool("drop_pending_updates")) this.updates.dropPending();
    if (allowed !== undefined) this.updates.setAllowedUpdates(allowed as string[]);
    this.target = {
      url: parsed,
      secretToken,
      allowedUpdates: allowed as string[] | undefined,
    };
    this.lastError = undefined;
    this.start();
    return true;
  }

  /** `deleteWebhook`: stop delivering; pending updates stay for `getUpdates` unless dropped. */
  remove(dropPending: boolean): true {
    this.stop();
    this.target = undefined;
    if (dropPending) this.updates.dropPending();
    return true;
  }

  /** `getWebhookInfo`. */
  info(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      url: this.target?.url.href ?? "",
      has_custom_certificate: false,
      pending_update_count: this.updates.pendingCount,
    };
    if (this.target) {
      info.max_connections = 40;
      if (this.target.allowedUpdates) info.allowed_updates = this.target.allowedUpdates;
      if (this.lastError) {
        info.last_error_date = this.lastError.date;
        info.last_error_message = this.lastError.message;
      }
    }
    return info;
  }

  /** Stop for good: the emulator is closing. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    this.stopLoop?.abort();
    this.stopLoop = undefined;
  }

  private start(): void {
    if (this.closed) return;
    const stop = new AbortController();
    this.stopLoop = stop;
    void this.deliverAll(stop.signal);
  }

  /** Deliver pending updates one by one until stopped. */
  private async deliverAll(stop: AbortSignal): Promise<void> {
    let failures = 0;
    while (!stop.aborted) {
      const update = this.updates.first();
      if (!update) {
        await this.nextPush(stop);
        continue;
      }
      const outcome = await this.deliver(update, failures + 1, stop);
      if (stop.aborted) return;
      if (outcome.outcome === "ok") {
        this.updates.remove(update.update_id);
        failures = 0;
        continue;
      }
      failures += 1;
      const delay = Math.min(
        this.options.maxRetryDelayMs,
        this.options.retryDelayMs * 2 ** (failures - 1),
      );
      await sleep(delay, stop);
    }
  }

  /** POST one update and record the attempt. */
  private async deliver(update: Update, attempt: number, stop: AbortSignal): Promise<Outcome> {
    const target = this.target;
    if (!target) return { outcome: "error", error: "no webhook" };
    const record: WebhookAttempt = {
      updateId: update.update_id,
      attempt,
      at: performance.now(),
      outcome: "pending",
    };
    this.attempts.push(record);
    const outcome = await post(target, update, this.options.timeoutMs, stop);
    Object.assign(record, outcome, { answeredAt: performance.now() });
    if (outcome.outcome !== "ok" && !stop.aborted) {
      this.lastError = {
        date: Math.floor(Date.now() / 1000),
        message:
          outcome.outcome === "timeout"
            ? "Read timeout expired"
            : outcome.status !== undefined
              ? `Wrong response from the webhook: ${outcome.error}`
              : `Connection failed: ${outcome.error ?? "unknown error"}`,
      };
    }
    return outcome;
  }

  /** Resolve on the next queued update, or when stopped. */
  private nextPush(stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        unsubscribe();
        stop.removeEventListener("abort", done);
        resolve();
      };
      const unsubscribe = this.updates.onPush(done);
      stop.addEventListener("abort", done);
    });
  }
}

/** One HTTP POST of an update; never rejects. */
function post(
  target: WebhookTarget,
  update: Update,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<Outcome> {
  const body = JSON.stringify(update);
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  };
  if (target.secretToken !== undefined) {
    headers["x-telegram-bot-api-secret-token"] = target.secretToken;
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.removeEventListener("abort", onStop);
      req.destroy();
      resolve(outcome);
    };
    const req = request(target.url, { method: "POST", headers }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.once("end", () =>
        finish(
          status >= 200 && status < 300
            ? { outcome: "ok", status }
            : { outcome: "error", status, error: `${status} ${res.statusMessage ?? ""}`.trim() },
        ),
      );
      res.once("error", (error) => finish({ outcome: "error", status, error: error.message }));
    });
    const timer = setTimeout(() => finish({ outcome: "timeout" }), timeoutMs);
    const onStop = () => finish({ outcome: "error", error: "webhook removed" });
    stop.addEventListener("abort", onStop);
    req.once("error", (error) => finish({ outcome: "error", error: error.message }));
    req.end(body);
  });
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener("abort", done);
  });
}

/** Thrown by `getUpdates` while a webhook is set, worded as Telegram words it. */
export function webhookConflict(): ApiError {
  return new ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  );
}
