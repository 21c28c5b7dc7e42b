/**
 * The `streamgram-bot` config node: one bot's token (as Node-RED credentials,
 * never in the flow JSON), its API root, the stream defaults of every
 * streamgram node using it, and the one {@link StreamHub} they share, so that
 * parallel replies never add up past Telegram's limits. With a Redis URL (a
 * credential too: it may hold a password), the hub shares the bot's state with
 * every other process of the bot, grammY bots included.
 */
import { Api } from "grammy";
import type { BotApi } from "../shared/bot-api.js";
import { StreamHub } from "../shared/hub.js";
import type { StreamOptions, TransportMode } from "../shared/options.js";
import { createRedisClient } from "../shared/redis/connect.js";
import type { RedisClient } from "../shared/redis/connection.js";
import { type BotCheck, lazyBotCheck } from "./bot-check.js";
import type { Node, NodeAPI, NodeDef } from "./red.js";

/** The config node's type name, as registered and as referenced by streamgram nodes. */
export const BOT_CONFIG_TYPE = "streamgram-bot";

/** The config node's properties in the flow JSON (the token is not among them). */
export interface BotConfigDef extends NodeDef {
  /** Bot API server, e.g. a local `telegram-bot-api`; empty for api.telegram.org. */
  apiRoot?: string;
  transport?: string;
  cursor?: string;
  format?: string;
  /** Show Telegram's stop button on drafts (`can_stop`). Default false. */
  canStop?: boolean | string;
  /** Multiplies every rate window; only for tests against a scaled emulator. Default 1. */
  timeScale?: number | string;
}

/** The stream settings a bot config node gives its streamgram nodes. */
export interface BotSettings {
  /** Defaults of every stream: transport, cursor, format (markdown unless set) and the stop button. */
  defaults: StreamOptions;
  /** The pacing scale (1 in production). */
  timeScale: number;
  /** Where Bot API calls go; undefined for api.telegram.org. */
  apiRoot: string | undefined;
}

/** The settings used without a config node (emit-only nodes may have none). */
export const DEFAULT_BOT_SETTINGS: Readonly<BotSettings> = Object.freeze<BotSettings>({
  defaults: { format: "markdown" },
  timeScale: 1,
  apiRoot: undefined,
});

const TRANSPORTS: readonly TransportMode[] = ["auto", "draft", "edit"];
const FORMATS = ["plain", "markdown", "html"] as const;

/**
 * Read and check a config node's properties. Empty fields take the defaults:
 * transport `auto`, cursor `" ▉"`, format `markdown`, no stop button, time scale 1.
 * @throws TypeError or RangeError naming the field that is wrong.
 */
export function readBotSettings(def: BotConfigDef): BotSettings {
  const defaults: StreamOptions = {};
  const transport = def.transport || "auto";
  const knownTransport = TRANSPORTS.find((t) => t === transport);
  if (!knownTransport)
    throw new TypeError(
      `streamgram bot: transport must be auto, draft or edit, got "${transport}"`,
    );
  defaults.transport = knownTransport;
  const format = FORMATS.find((f) => f === (def.format || "markdown"));
  if (!format)
    throw new TypeError(
      `streamgram bot: format must be plain, markdown or html, got "${def.format}"`,
    );
  defaults.format = format;
  if (def.cursor !== undefined && def.cursor !== null) {
    if (typeof def.cursor !== "string") throw new TypeError("streamgram bot: cursor must be text");
    defaults.cursor = def.cursor;
  }
  if (def.canStop === true || def.canStop === "true") defaults.canStop = true;
  else if (def.canStop !== undefined && def.canStop !== false && def.canStop !== "false") {
    throw new TypeError(
      `streamgram bot: canStop must be true or false, got ${JSON.stringify(def.canStop)}`,
    );
  }
  const timeScale = def.timeScale === undefined || def.timeScale === "" ? 1 : Number(def.timeScale);
  if (!(Number.isFinite(timeScale) && timeScale > 0)) {
    throw new RangeError(
      `streamgram bot: timeScale must be a number above 0, got "${def.timeScale}"`,
    );
  }
  const apiRoot =
    typeof def.apiRoot === "string" && def.apiRoot.trim() !== ""
      ? def.apiRoot.trim().replace(/\/+$/, "")
      : undefined;
  if (apiRoot !== undefined && !/^https?:\/\/[^\s/]+/.test(apiRoot)) {
    throw new TypeError(
      `streamgram bot: API root must be an http:// or https:// URL, got "${apiRoot}"`,
    );
  }
  return { defaults, timeScale, apiRoot };
}

/** What a streamgram node gets from its bot config node. */
export interface BotConfig {
  /** The settings, or the reason they are unusable. */
  readonly settings: BotSettings | Error;
  /** The bot token, for scrubbing it from errors; never logged or sent. */
  readonly token: string | undefined;
  /**
   * The hub shared by every streamgram node of this bot that calls the Bot API
   * itself; created on first use.
   * @throws Error when the token is missing or a setting is wrong.
   */
  hub(): StreamHub;
  /**
   * The bot's `getMe` check, made once per deploy of the config node and
   * started by the first node that calls the Bot API itself; undefined when
   * there is nothing to check (no token, a wrong setting: the nodes report those).
   */
  check(): BotCheck | undefined;
}

const configs = new WeakMap<object, BotConfig>();

/** The {@link BotConfig} of the config node with id `id`, or undefined if there is none. */
export function findBotConfig(RED: NodeAPI, id: unknown): BotConfig | undefined {
  if (typeof id !== "string" || id === "") return undefined;
  const node = RED.nodes.getNode(id);
  return node ? configs.get(node) : undefined;
}

/** grammY's `Api` as the core's {@link BotApi}; its transformers, if any, stay in the path. */
export function grammyBotApi(api: Api): BotApi {
  // `raw` is a proxy that turns any property into a call of that method.
  const raw = api.raw as unknown as Record<
    string,
    (payload: unknown, signal?: AbortSignal) => Promise<unknown>
  >;
  return {
    call: (method, payload, signal) =>
      raw[method]?.(payload, signal) ??
      Promise.reject(new TypeError(`no Bot API method ${method}`)),
  };
}

/** How long closing the config node gives running streams to finish (Node-RED allows 15 s). */
const CLOSE_DEADLINE_MS = 10_000;

/** Register the `streamgram-bot` config node type. */
export function registerBotConfig(RED: NodeAPI): void {
  function BotConfigNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const token = this.credentials?.token?.trim() || undefined;
    const redisUrl = this.credentials?.redisUrl?.trim() || undefined;
    let redis: RedisClient | undefined;
    let settings: BotSettings | Error;
    try {
      settings = readBotSettings(def as BotConfigDef);
    } catch (error) {
      settings = error as Error;
    }
    const grammyApi =
      token && !(settings instanceof Error)
        ? new Api(token, settings.apiRoot ? { apiRoot: settings.apiRoot } : undefined)
        : undefined;
    const api = grammyApi && grammyBotApi(grammyApi);
    const check =
      grammyApi && token && !(settings instanceof Error)
        ? lazyBotCheck(this, {
            // grammY types its signal as the abort-controller polyfill's; Node's own works the same.
            getMe: (signal) => grammyApi.getMe(signal as Parameters<Api["getMe"]>[0]),
            apiRoot: settings.apiRoot,
            token,
          })
        : () => undefined;
    let hub: StreamHub | undefined;
    const hubOf = (): StreamHub => {
      if (settings instanceof Error) throw settings;
      if (!(token && api))
        throw new Error("streamgram bot: no bot token; open the bot configuration and enter it");
      if (hub) return hub;
      if (redisUrl) redis ??= createRedisClient(redisUrl);
      hub = new StreamHub(api, {
        timeScale: settings.timeScale,
        defaults: settings.defaults,
        // The bot id is the token's number: keys never hold the token.
        ...(redis && { redis: { client: redis, botId: token.split(":")[0] ?? "" } }),
      });
      return hub;
    };
    configs.set(this, { settings, token, check, hub: hubOf });
    // With Redis, start at once: take the lease, listen for stop presses, finish orphaned replies.
    if (redisUrl) {
      try {
        hubOf();
      } catch {
        // The first streamgram node that uses the bot reports it.
      }
    }
    // Streams end, what is still held is left to the bot's other processes, the connection closes.
    this.on("close", (_removed, done) => {
      void (async () => {
        await hub?.shutdown(CLOSE_DEADLINE_MS).catch(() => {});
        await redis?.quit().catch(() => {});
        done();
      })();
    });
  }
  RED.nodes.registerType(BOT_CONFIG_TYPE, BotConfigNode, {
    credentials: { token: { type: "password" }, redisUrl: { type: "password" } },
  });
}
