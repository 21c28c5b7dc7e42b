/**
 * The demo: the Telegram emulator, the demo bot streaming against it by long
 * polling, and a local web page that shows the chats as their users see
 * them, live, over Server-Sent Events.
 *
 * Routes (all on 127.0.0.1):
 * - `GET /`, `/app.js`, `/style.css`: the page (plain HTML, CSS and JS).
 * - `GET /events`: Server-Sent Events, one `state` event per change (see `PageState`).
 * - `POST /api/send` `{ chat: "private" | "group", text }`: the user sends a message.
 * - `POST /api/stop` `{ chat, draftId }`: the user presses a draft's stop button.
 */

import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Emulator, startEmulator } from "../../test/emulator/index.js";
import { runConcurrently } from "../run.js";
import { createDemoBot } from "./bot.js";
import { type DemoChat, pageState } from "./chat-view.js";
import { LagMeter } from "./lag-meter.js";
import { type DemoScript, defaultScript } from "./script.js";

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Port of the page; 0 picks a free one. Default 3000. */
  port?: number;
  /**
   * Multiplies every wait and rate window (emulator, plugin and model alike):
   * 0.05 runs the demo 20x faster, for tests. Default 1: Telegram's real limits.
   */
  timeScale?: number;
  /** What the model says. Default {@link defaultScript}. */
  script?: DemoScript;
  /** How often the page's state is recomputed, in ms. Default 100. */
  refreshMs?: number;
  /** Where the demo reports what the bot did. Default: nowhere. */
  log?: (line: string) => void;
}

/** A running demo. */
export interface Demo {
  /** The page, e.g. `http://127.0.0.1:3000/`. */
  url: string;
  /** The emulator behind it, for tests that check what was sent. */
  emulator: Emulator;
  /** The demo's chats (private first). */
  chats: readonly DemoChat[];
  /** Stop the page, the bot and the emulator. */
  close(): Promise<void>;
}

/** Largest body accepted from the page. */
const MAX_BODY_BYTES = 16 * 1024;
/** Telegram's limit for a user's message, checked here so the page gets a clear error. */
const MAX_MESSAGE_LENGTH = 4096;
/** The bot's token on the emulator; it never leaves this machine. */
const DEMO_TOKEN = "4242:demo-bot";

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

/** A request the page got wrong: answered with 400 and the message. */
class BadRequest extends Error {}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error();
    return body as Record<string, unknown>;
  } catch {
    throw new BadRequest("body must be a JSON object");
  }
}

/**
 * Start the demo: emulator (Telegram's limits, scaled by `timeScale`), bot
 * (long polling through `@grammyjs/runner`) and page. Resolves once the page
 * is being served.
 * @throws RangeError for a bad port or time scale; the listen error if the port is taken.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const port = options.port ?? 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be 0-65535, got ${port}`);
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0 && timeScale <= 1))
    throw new RangeError(`timeScale must be in (0, 1], got ${timeScale}`);
  const refreshMs = options.refreshMs ?? 100;
  const log = options.log ?? (() => {});
  const pages = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(PAGE_FILES)) {
    pages.set(path, { body: await readFile(new URL(`./page/${file}`, import.meta.url)), type });
  }

  const emulator = await startEmulator({ timeScale });
  const chats: DemoChat[] = [
    { key: "private", chatId: 1001, title: "Private chat (drafts)", userMessages: [] },
    { key: "group", chatId: -1002, title: "Group (edits)", userMessages: [] },
  ];
  emulator.addChat({ id: 1001, type: "private" });
  emulator.addChat({ id: -1002, type: "group" });
  const meter = new LagMeter();
  const bot = createDemoBot({
    apiRoot: emulator.apiRoot,
    token: DEMO_TOKEN,
    timeScale,
    script: options.script ?? defaultScript(),
    meter,
    log,
  });
  const runner = runConcurrently(bot);

  const chatOf = (body: Record<string, unknown>): DemoChat => {
    const chat = chats.find((c) => c.key === body.chat);
    if (!chat)
      throw new BadRequest(`chat must be "private" or "group", got ${JSON.stringify(body.chat)}`);
    return chat;
  };

  const clients = new Set<ServerResponse>();
  let lastState = "";
  const broadcast = (force = false) => {
    const state = JSON.stringify(pageState(emulator, chats, meter, timeScale));
    if (state === lastState && !force) return;
    lastState = state;
    for (const client of clients) client.write(`event: state\ndata: ${state}\n\n`);
  };
  const refresh = setInterval(() => broadcast(), refreshMs);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const page = pages.get(path);
    if (req.method === "GET" && page) {
      res.writeHead(200, { "content-type": page.type, "cache-control": "no-store" });
      res.end(page.body);
      return;
    }
    if (req.method === "GET" && path === "/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      clients.add(res);
      req.on("close", () => clients.delete(res));
      res.write(
        `event: state\ndata: ${lastState || JSON.stringify(pageState(emulator, chats, meter, timeScale))}\n\n`,
      );
      return;
    }
    if (req.method === "POST" && path === "/api/send") {
      const body = await readJson(req);
      const chat = chatOf(body);
      const text = typeof body.text === "string" ? body.text.trim() : "";
      if (text.length === 0 || text.length > MAX_MESSAGE_LENGTH) {
        throw new BadRequest(`text must be 1-${MAX_MESSAGE_LENGTH} characters`);
      }
      const update = emulator.sendUserMessage(chat.chatId, text);
      const messageId = (update as { message?: { message_id: number } }).message?.message_id;
      if (messageId !== undefined) chat.userMessages.push({ id: messageId, text });
      broadcast();
      res.writeHead(204).end();
      return;
    }
    if (req.method === "POST" && path === "/api/stop") {
      const body = await readJson(req);
      const chat = chatOf(body);
      if (!Number.isSafeInteger(body.draftId) || body.draftId === 0)
        throw new BadRequest("draftId must be a non-zero integer");
      emulator.pressStop(chat.chatId, body.draftId as number);
      broadcast();
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof BadRequest ? 400 : 500;
      if (!res.headersSent) res.writeHead(status, { "content-type": "text/plain" });
      res.end(error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    emulator,
    chats,
    close() {
      closing ??= (async () => {
        clearInterval(refresh);
        for (const client of clients) client.end();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        // Stop polling first; the emulator then answers the pending long poll at once.
        const stopped = runner.isRunning() ? runner.stop() : Promise.resolve();
        await emulator.close();
        await stopped;
      })();
      return closing;
    },
  };
}
