/**
 * Shared set-up of the grammY plugin tests: a real grammY `Bot` talking over
 * HTTP to the local Bot API emulator, with time scaled down on both sides.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type ApiClientOptions, Bot, type Context } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { afterEach, beforeEach } from "vitest";
import { type StreamFlavor, type StreamingOptions, streaming } from "../../grammy-plugin/index.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../emulator/index.js";
import {
  type OpenAIScript,
  type OpenAIServer,
  startOpenAIServer,
} from "../support/openai-server.js";

/** Every window 25x shorter: a private chat's 1 message/s becomes one per 40 ms. */
export const TIME_SCALE = 0.04;

export type StreamBot = Bot<StreamFlavor<Context>>;

let botSeq = 0;

/**
 * A fresh, well-formed bot token. Each test uses its own, because the plugin
 * keeps one hub (and one rate budget) per token for the whole process.
 */
export function newToken(): string {
  botSeq += 1;
  const id = 7_000_000 + botSeq * 101 + Math.floor(Math.random() * 100);
  return `${id}:AAH${Math.random().toString(36).slice(2, 12)}Zx9_Secret-${botSeq}Tok`;
}

/** What `getMe` would say, so `bot.init()` needs no request. */
export function botInfoFor(token: string): UserFromGetMe {
  const id = Number(token.split(":")[0]);
  return {
    id,
    is_bot: true,
    first_name: "Emulated Bot",
    username: `emulated_${id}_bot`,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: true,
    has_main_web_app: false,
  } as UserFromGetMe;
}

/** Start an emulator with the tests' time scale (and Telegram's limits unless told otherwise). */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ timeScale: TIME_SCALE, ...options });
}

/**
 * A bot with the plugin installed, pointed at `emulator`. `configure` runs
 * before the plugin is installed (install transformers there).
 */
export function createStreamBot(
  emulator: Emulator,
  options: {
    token?: string;
    plugin?: StreamingOptions;
    client?: ApiClientOptions;
    configure?: (bot: StreamBot) => void;
  } = {},
): StreamBot {
  const token = options.token ?? newToken();
  const bot: StreamBot = new Bot<StreamFlavor<Context>>(token, {
    client: { ...options.client, apiRoot: emulator.apiRoot },
    botInfo: botInfoFor(token),
  });
  options.configure?.(bot);
  bot.use(streaming({ timeScale: TIME_SCALE, ...options.plugin }));
  return bot;
}

/** Yield `parts` one by one, `delayMs` (real) apart: a model that types. */
export async function* typing(parts: readonly string[], delayMs = 5): AsyncGenerator<string> {
  for (const part of parts) {
    await sleep(delayMs);
    yield part;
  }
}

/** `count` words of varied length, as a model might write them. */
export function words(count: number, seed = 1): string[] {
  const vocabulary = [
    "stream",
    "Telegram",
    "draft",
    "message",
    "token",
    "rate",
    "limit",
    "chat",
    "edit",
    "reply",
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`${vocabulary[(i * 7 + seed) % vocabulary.length]} `);
  return out;
}

/** Text with all whitespace removed: messages are trimmed at their edges, so compare content. */
export function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

/** The latest text of every message the user sees in `chatId`, joined. */
export function shownText(emulator: Emulator, chatId: number, threadId?: number): string {
  return emulator
    .visibleMessages(chatId, threadId)
    .map((m) => m.versions[m.versions.length - 1]?.text ?? "")
    .join("\n");
}

/** Successful sendMessage calls to `chatId`: each is one message the user keeps. */
export function sentMessages(emulator: Emulator, chatId: number) {
  return emulator.calls.filter((c) => c.method === "sendMessage" && c.chatId === chatId && c.ok);
}

/** The servers of one test: see {@link useServers}. */
export interface TestServers {
  /** This test's emulator. */
  readonly emulator: Emulator;
  /** The OpenAI-compatible server this test started, if any. */
  readonly openai: OpenAIServer | undefined;
  /** Start this test's OpenAI-compatible server (closed after the test). */
  startOpenAI(script: OpenAIScript): Promise<OpenAIServer>;
}

/**
 * Give every test of the file a fresh emulator (and, on demand, a local
 * OpenAI-compatible server), both closed after the test. Call at the top of a
 * test file.
 */
export function useServers(): TestServers {
  let emulator: Emulator | undefined;
  let openai: OpenAIServer | undefined;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await openai?.close();
    openai = undefined;
    await emulator?.close();
    emulator = undefined;
  });
  return {
    get emulator() {
      if (!emulator) throw new Error("useServers(): the emulator exists only inside a test");
      return emulator;
    },
    get openai() {
      return openai;
    },
    async startOpenAI(script) {
      openai = await startOpenAIServer(script);
      return openai;
    },
  };
}
