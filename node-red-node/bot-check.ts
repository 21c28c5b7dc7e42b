/**
 * The check a bot config node makes when it starts: one `getMe` call through
 * the bot's API root, telling the nodes using the bot either the bot's name or
 * why it cannot work (a token Telegram refuses, an API root that does not
 * answer), once, before the first reply needs it.
 */
import type { Node } from "./red.js";
import { scrubText } from "./secrets.js";

/** How long the check waits for `getMe` before reporting the API root unreachable. */
export const BOT_CHECK_TIMEOUT_MS = 10_000;

/** Where the check stands. */
export type BotCheckState =
  | { state: "checking" }
  /** `username` as Telegram has it, without `@`. */
  | { state: "ok"; username: string }
  /** `reason`: one line for the status, without the token. */
  | { state: "failed"; reason: string };

/** Options of {@link BotCheck}. */
export interface BotCheckOptions {
  /** Calls `getMe` with the bot's token through its API root (grammY's `api.getMe`). */
  getMe(signal: AbortSignal): Promise<unknown>;
  /** The API root as the user wrote it, for the message when it does not answer; undefined for Telegram's. */
  apiRoot: string | undefined;
  /** The token, so that no message quotes it. */
  token: string;
  /** Default {@link BOT_CHECK_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * One `getMe` call, started by the constructor. Nodes {@link watch} it to show
 * its outcome; {@link cancel} stops it when the config node closes.
 */
export class BotCheck {
  private current: BotCheckState = { state: "checking" };
  private readonly listeners = new Set<(state: BotCheckState) => void>();
  private readonly controller = new AbortController();
  /** Settles (never rejects) when the check has its outcome or was cancelled. */
  readonly settled: Promise<void>;

  constructor(options: BotCheckOptions) {
    const timeoutMs = options.timeoutMs ?? BOT_CHECK_TIMEOUT_MS;
    const timer = setTimeout(() => this.controller.abort(new Error("timeout")), timeoutMs);
    this.settled = options.getMe(this.controller.signal).then(
      (me) => this.settle({ state: "ok", username: usernameOf(me) }),
      (error: unknown) => {
        if (this.controller.signal.reason instanceof CancelledCheck) return;
        const timedOut = this.controller.signal.aborted;
        this.settle({
          state: "failed",
          reason: scrubText(describeCheckFailure(error, options.apiRoot, timedOut), options.token),
        });
      },
    );
    void this.settled.finally(() => clearTimeout(timer));
  }

  /** The outcome so far. */
  get state(): BotCheckState {
    return this.current;
  }

  /**
   * Call `listener` with the outcome: at once if the check has one, else when
   * it comes. Returns a function that stops listening.
   */
  watch(listener: (state: BotCheckState) => void): () => void {
    if (this.current.state !== "checking") listener(this.current);
    else this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop the call (the config node closes); listeners hear nothing more. */
  cancel(): void {
    this.listeners.clear();
    this.controller.abort(new CancelledCheck());
  }

  private settle(state: BotCheckState): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
    this.listeners.clear();
  }
}

class CancelledCheck extends Error {}

/**
 * The check of the bot config node `node`, made once: the first call starts
 * it (the first streamgram node that calls the Bot API itself; emit-only
 * nodes make no request), later calls return the same check. Its outcome is
 * logged once by `node`; closing `node` cancels it.
 */
export function lazyBotCheck(node: Node, options: BotCheckOptions): () => BotCheck {
  let check: BotCheck | undefined;
  node.on("close", (_removed, done) => {
    check?.cancel();
    done();
  });
  return () => {
    if (check) return check;
    check = new BotCheck(options);
    check.watch((outcome) => {
      if (outcome.state === "ok") node.log(`bot @${outcome.username} ready`);
      else if (outcome.state === "failed") node.error(`streamgram bot: ${outcome.reason}`);
    });
    return check;
  };
}

function usernameOf(me: unknown): string {
  const user = me as { username?: unknown; first_name?: unknown } | null;
  if (typeof user?.username === "string") return user.username;
  return typeof user?.first_name === "string" ? user.first_name : "bot";
}

/**
 * Why `getMe` failed, in words for the status: Telegram answers 401 for a
 * token it does not know and 404 for one it cannot read (or a server that is
 * not a Bot API); anything without an answer means the API root is unreachable.
 */
export function describeCheckFailure(
  error: unknown,
  apiRoot: string | undefined,
  timedOut: boolean,
): string {
  const where = apiRoot ?? "api.telegram.org";
  const answer = error as { error_code?: unknown; description?: unknown } | null;
  if (typeof answer?.error_code === "number") {
    const said = `${answer.error_code} ${String(answer.description ?? "")}`.trim();
    if (answer.error_code === 401 || answer.error_code === 404) {
      return `token refused (${said}): check the bot's token and API root`;
    }
    return `getMe failed (${said})`;
  }
  if (timedOut) return `no answer from ${where}: check the API root`;
  return `cannot reach ${where}${causeOf(error)}: check the API root`;
}

/** The network error under grammY's `HttpError` ("ECONNREFUSED"), as `" (…)"`. */
function causeOf(error: unknown): string {
  let cause = (error as { error?: unknown; cause?: unknown } | null)?.error ?? error;
  for (let depth = 0; depth < 3; depth++) {
    const next = (cause as { cause?: unknown } | null)?.cause;
    if (next === undefined || next === null) break;
    cause = next;
  }
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === "string") return ` (${code})`;
  const message = (cause as { message?: unknown } | null)?.message;
  return typeof message === "string" && message !== "" ? ` (${message.split("\n")[0]})` : "";
}
