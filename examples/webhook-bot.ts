/**
 * A Telegram bot on webhooks that answers every text message with an OpenAI
 * model, streamed live into the chat by streamgram.
 *
 *   npm install grammy streamgram openai
 *   BOT_TOKEN=... OPENAI_API_KEY=... WEBHOOK_URL=https://bot.example.com/telegram \
 *   WEBHOOK_SECRET=$(openssl rand -hex 32) PORT=8080 npx tsx examples/webhook-bot.ts
 *
 * Telegram POSTs each update to WEBHOOK_URL (your reverse proxy forwards it
 * to PORT) and waits for the answer. A streamed reply can take far longer
 * than that wait, so the handler starts the reply and returns at once:
 * grammY answers Telegram in milliseconds, and the reply streams on in the
 * background. Even so, if Telegram ever delivers an update again, streamgram
 * recognises it and does not answer twice.
 *
 * Optional: BOT_API_ROOT (a local Bot API server), OPENAI_MODEL (default
 * gpt-4o-mini), OPENAI_BASE_URL (any OpenAI-compatible server), HOST
 * (default 127.0.0.1: put a TLS-terminating proxy in front). Without
 * WEBHOOK_URL the bot registers its own local address, which only a local
 * Bot API server can reach.
 *
 * In your own project, import from "streamgram" instead of the relative path.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { Bot, type Context, webhookCallback } from "grammy";
import OpenAI from "openai";
import { redactError, type StreamFlavor, streaming } from "../grammy-plugin/index.js";
import type { ExampleBotOptions } from "./run.js";

/** The updates this bot needs: messages, and the stop button's. */
export const ALLOWED_UPDATES = ["message", "stopped_message_generation"] as const;

/**
 * Build the bot without starting it. Every text message is answered by the
 * model; the handler does not wait for the reply, so the webhook request
 * ends at once.
 */
export function createBot(
  token: string,
  options: ExampleBotOptions = {},
): Bot<StreamFlavor<Context>> {
  const bot = new Bot<StreamFlavor<Context>>(
    token,
    options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {},
  );
  const openai = new OpenAI({ apiKey: options.openaiApiKey, baseURL: options.openaiBaseURL });
  const model = options.model ?? "gpt-4o-mini";

  bot.use(streaming({ canStop: true, ...options.streaming }));
  bot.command("start", (ctx) => ctx.reply("Ask me anything."));
  bot.on("message:text", (ctx) => {
    // Start the reply and return without awaiting it: the webhook is answered now, the reply
    // streams on. A factory (signal) => stream means the model is asked once, and stopped by
    // the stop button.
    const reply = ctx.streamReply(
      (signal) =>
        openai.chat.completions.create(
          {
            model,
            messages: [
              { role: "system", content: "You are a helpful assistant. Answer in Markdown." },
              { role: "user", content: ctx.message.text },
            ],
            stream: true,
          },
          { signal },
        ),
      { replyTo: ctx.chat.type !== "private" },
    );
    // bot.catch() only sees errors of the handler itself, which has returned by then.
    reply.catch((error: unknown) => console.error("reply failed:", error));
  });
  bot.catch((error) => {
    // streamgram's errors never contain the token, so they are safe to log.
    console.error("update failed:", error.error);
  });
  return bot;
}

/** Where the webhook server listens, and the secret Telegram must send. */
export interface WebhookServerOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The path Telegram POSTs to. Default "/telegram". */
  path?: string;
  /** Checked against the `X-Telegram-Bot-Api-Secret-Token` header (grammY answers 401 otherwise). */
  secretToken?: string;
}

/** A running webhook server. */
export interface WebhookServer {
  server: Server;
  /** This server's own webhook URL, e.g. "http://127.0.0.1:8080/telegram". */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve `bot` with grammY's `webhookCallback` on a plain node:http server.
 * Requests to other paths get 404; a failed update gets 500, so Telegram
 * delivers it again (and streamgram does not answer it twice).
 */
export async function startWebhookServer(
  // biome-ignore lint/suspicious/noExplicitAny: any bot, whatever its context flavor
  bot: Bot<any>,
  options: WebhookServerOptions = {},
): Promise<WebhookServer> {
  const path = options.path ?? "/telegram";
  const handleUpdate = webhookCallback(bot, "http", { secretToken: options.secretToken });
  const server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    handleUpdate(req, res).catch((error: unknown) => {
      console.error("webhook request failed:", redactError(error, bot.token));
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address}:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** When started directly: build the bot from the environment, serve it and register the webhook. */
async function main(): Promise<void> {
  const token = process.env.BOT_TOKEN;
  if (!token) throw new Error("Set BOT_TOKEN to your bot's token from @BotFather");
  const bot = createBot(token, {
    apiRoot: process.env.BOT_API_ROOT,
    openaiApiKey: process.env.OPENAI_API_KEY,
    openaiBaseURL: process.env.OPENAI_BASE_URL,
    model: process.env.OPENAI_MODEL,
  });
  const secretToken = process.env.WEBHOOK_SECRET || undefined;
  const webhook = await startWebhookServer(bot, {
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST,
    path: process.env.WEBHOOK_URL ? new URL(process.env.WEBHOOK_URL).pathname : undefined,
    secretToken,
  });
  await bot.api.setWebhook(process.env.WEBHOOK_URL || webhook.url, {
    secret_token: secretToken,
    allowed_updates: [...ALLOWED_UPDATES],
  });
  const stop = () => void webhook.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.log(`The bot is listening on ${webhook.url}; press Ctrl+C to stop.`);
}

const started = process.argv[1];
if (started !== undefined && import.meta.url === pathToFileURL(started).href) {
  main().catch((error: unknown) => {
    const cleaned = redactError(error, process.env.BOT_TOKEN);
    console.error(cleaned instanceof Error ? cleaned.message : cleaned);
    process.exitCode = 1;
  });
}
