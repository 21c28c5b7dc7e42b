import type { Api } from "grammy";
import type { BotApi } from "../shared/index.js";
import { redactError } from "./redact.js";

/** A grammY raw API method, as streamgram calls it. */
type RawMethod = (payload: Record<string, unknown>, signal?: AbortSignal) => Promise<unknown>;

/** One {@link BotApi} per grammY `Api` object, so a busy bot does not build one per reply. */
const adapters = new WeakMap<Api, BotApi>();

/**
 * The core's {@link BotApi} for one grammY `Api`: every call goes through
 * `api.raw[method](payload, signal)`, so that `Api`'s API root and the
 * transformers installed on it (auto-retry, the throttler, your own) stay in
 * the path. Each stream calls through the `Api` it was started with (the
 * update's `ctx.api`, or the `Api` given to `streamMessage`), even when
 * several `Bot` objects share one token and so one rate budget.
 *
 * A rejection is passed on as grammY threw it (the core reads `GrammyError`'s
 * `error_code`, `description` and `parameters` by duck typing), after the
 * bot's token has been removed from its message, stack and nested errors.
 */
export function grammyBotApi(api: Api): BotApi {
  let adapter = adapters.get(api);
  if (adapter === undefined) {
    adapter = {
      async call(method, payload, signal) {
        const send = (api.raw as unknown as Record<string, RawMethod | undefined>)[method];
        if (typeof send !== "function") throw new TypeError(`grammY's Api has no method ${method}`);
        try {
          return await send(payload, signal);
        } catch (error) {
          throw redactError(error, api.token);
        }
      },
    };
    adapters.set(api, adapter);
  }
  return adapter;
}
