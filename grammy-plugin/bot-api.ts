import type { Api } from "grammy";
import type { BotApi } from "../shared/index.js";
import { redactError } from "./redact.js";

/** A grammY raw API method, as streamgram calls it. */
type RawMethod = (payload: Record<string, unknown>, signal?: AbortSignal) => Promise<unknown>;

/**
 * Where a bot's streams send their calls. The registry points it at the most
 * recent grammY `Api` of the bot (every `ctx.api` and the `Api` passed to
 * `streamMessage`), so a transformer installed after the first stream is still
 * used by the next ones.
 */
export interface ApiRoute {
  api: Api;
}

/**
 * The core's {@link BotApi} for grammY: every call goes through
 * `api.raw[method](payload, signal)`, so the transformers installed on the
 * bot (auto-retry, the throttler, your own) stay in the path.
 *
 * A rejection is passed on as grammY threw it (the core reads `GrammyError`'s
 * `error_code`, `description` and `parameters` by duck typing), after the
 * bot's token has been removed from its message, stack and nested errors.
 */
export function grammyBotApi(route: ApiRoute): BotApi {
  return {
    async call(method, payload, signal) {
      const { api } = route;
      const send = (api.raw as unknown as Record<string, RawMethod | undefined>)[method];
      if (typeof send !== "function") throw new TypeError(`grammY's Api has no method ${method}`);
      try {
        return await send(payload, signal);
      } catch (error) {
        throw redactError(error, api.token);
      }
    },
  };
}
