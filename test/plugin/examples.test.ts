/**
 * The examples, driven against the emulator and the local OpenAI server:
 * each builds its bot with createBot(), and one runs as its own process the
 * way a user starts it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { run } from "@grammyjs/runner";
import { describe, expect, it } from "vitest";
import { createBot as createAiSdkBot } from "../../examples/ai-sdk-bot.js";
import { createBot as createOpenAIBot } from "../../examples/openai-bot.js";
import { createBot as createToolCallingBot, runTool } from "../../examples/tool-calling-bot.js";
import {
  ALLOWED_UPDATES,
  createBot as createWebhookBot,
  startWebhookServer,
} from "../../examples/webhook-bot.js";
import type { OpenAIScript } from "../support/openai-server.js";
import { newToken, shownText, TIME_SCALE, useServers } from "./harness.js";

const CHAT = 5050;

const servers = useServers();

/** Options every example's createBot takes, pointed at the local servers. */
async function localServers(script: OpenAIScript) {
  const server = await servers.startOpenAI(script);
  return {
    apiRoot: servers.emulator.apiRoot,
    openaiBaseURL: server.baseURL,
    openaiApiKey: "test",
    model: "test-model",
    streaming: { timeScale: TIME_SCALE },
  };
}

/** The chat messages of every request the model server received. */
function requestMessages(index: number): Array<{ role: string; content: unknown }> {
  return (servers.openai?.requests[index]?.body.messages ?? []) as Array<{
    role: string;
    content: unknown;
  }>;
}

describe("examples/openai-bot.ts", () => {
  it("streams the model's answer and remembers the conversation until /reset", async () => {
    const answers = ["Hello, I am a test model.", "You said hi before."];
    const options = await localServers(({ index }) => [{ text: answers[index % 2] ?? "" }]);
    const bot = createOpenAIBot(newToken(), options);
    await bot.init();

    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "hi"));
    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "what did I say?"));
    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "/reset"));
    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "fresh start"));

    expect(shownText(servers.emulator, CHAT).split("\n")).toEqual([
      answers[0],
      answers[1],
      "Conversation cleared.",
      answers[0],
    ]);
    expect(requestMessages(1).filter((m) => m.role !== "system")).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: answers[0] },
      { role: "user", content: "what did I say?" },
    ]);
    expect(requestMessages(2).filter((m) => m.role !== "system")).toEqual([
      { role: "user", content: "fresh start" },
    ]);
    expect(servers.openai?.requests.every((r) => r.body.model === "test-model")).toBe(true);
    expect(servers.emulator.stats().tooManyRequests).toBe(0);
  });

  it("quotes the question in groups", async () => {
    const group = -1004040;
    servers.emulator.addChat({ id: group, type: "supergroup" });
    const options = await localServers([{ text: "Group answer." }]);
    const bot = createOpenAIBot(newToken(), options);
    await bot.init();

    const question = servers.emulator.sendUserMessage(group, "a question");
    await bot.handleUpdate(question);

    const [message] = servers.emulator.visibleMessages(group);
    expect(message?.versions.at(-1)?.text).toBe("Group answer.");
    expect(message?.replyToMessageId).toBe(question.message?.message_id);
  });

  it("stops the model when the user presses stop, under the runner", async () => {
    const script = Array.from({ length: 400 }, (_, i) => [
      { text: `word${i} ` },
      { delay: 5 },
    ]).flat();
    const options = await localServers(script);
    const bot = createOpenAIBot(newToken(), options);
    const runner = run(bot, {
      runner: { fetch: { allowed_updates: ["message", "stopped_message_generation"] } },
    });
    try {
      servers.emulator.sendUserMessage(CHAT, "talk");
      const draft = await servers.emulator.waitForCall(
        (c) => c.method === "sendMessageDraft" && c.ok && String(c.params.text ?? "").length > 20,
      );
      expect(draft.params.can_stop).toBe(true);
      servers.emulator.pressStop(CHAT, draft.params.draft_id as number);
      await servers.emulator.waitForCall(
        (c) => c.method === "sendMessage" && c.ok && c.chatId === CHAT,
      );
      expect(await servers.openai?.requests[0]?.outcome).toBe("client-closed");
    } finally {
      await runner.stop();
    }
    const [message, ...more] = servers.emulator.visibleMessages(CHAT);
    expect(more).toEqual([]);
    expect(message?.versions.at(-1)?.text).toMatch(/^word0 word1 /);
  });

  it("runs as a process from BOT_TOKEN, BOT_API_ROOT and the OPENAI_* variables", async () => {
    const options = await localServers([
      { text: "Hello from " },
      { delay: 20 },
      { text: "a process." },
    ]);
    const child = startExample("openai-bot.ts", {
      BOT_TOKEN: newToken(),
      BOT_API_ROOT: options.apiRoot,
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: options.openaiBaseURL,
      OPENAI_MODEL: "model-from-env",
    });
    try {
      // Queued now, fetched by the process's first getUpdates once it is up.
      servers.emulator.sendUserMessage(CHAT, "hi");
      await servers.emulator.waitForCall(
        (c) => c.method === "sendMessage" && c.ok && c.chatId === CHAT,
        15_000,
      );
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    expect(shownText(servers.emulator, CHAT)).toBe("Hello from a process.");
    expect(servers.openai?.requests[0]?.body.model).toBe("model-from-env");
    const polls = servers.emulator.calls.filter((c) => c.method === "getUpdates");
    expect(polls[0]?.params.allowed_updates).toEqual(["message", "stopped_message_generation"]);
  }, 30_000);

  it("refuses to start without BOT_TOKEN", async () => {
    const child = startExample("openai-bot.ts", { BOT_TOKEN: "" });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/Set BOT_TOKEN/);
  }, 30_000);
});

describe("examples/ai-sdk-bot.ts", () => {
  it("streams a streamText answer, with the model's reasoning quoted above it", async () => {
    const options = await localServers([
      { reasoning: "The user greets me." },
      { text: "Hi there, " },
      { delay: 10 },
      { text: "nice to meet you." },
    ]);
    const bot = createAiSdkBot(newToken(), options);
    await bot.init();

    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "hello"));

    const [message, ...more] = servers.emulator.visibleMessages(CHAT);
    expect(more).toEqual([]);
    const final = message?.versions.at(-1);
    expect(final?.text).toMatch(/The user greets me\.\s+Hi there, nice to meet you\.$/);
    const quote = final?.entities.find(
      (e) => e.type === "blockquote" || e.type === "expandable_blockquote",
    );
    expect(
      final?.text.slice(quote?.offset ?? 0, (quote?.offset ?? 0) + (quote?.length ?? 0)),
    ).toContain("The user greets me.");
    expect(servers.openai?.requests[0]?.body.model).toBe("test-model");
  });
});

describe("examples/tool-calling-bot.ts", () => {
  it("runs the tool the model asks for and continues the answer in a new message", async () => {
    const options = await localServers(({ index }) =>
      index === 0
        ? [
            { text: "Let me roll a die." },
            {
              toolCall: { name: "random_integer", arguments: '{"min":4,"max":4}', id: "call_die" },
            },
          ]
        : [{ text: "You rolled " }, { delay: 10 }, { text: "a four." }],
    );
    const bot = createToolCallingBot(newToken(), options);
    await bot.init();

    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "roll a die"));

    expect(servers.emulator.visibleMessages(CHAT).map((m) => m.versions.at(-1)?.text)).toEqual([
      "Let me roll a die.",
      "You rolled a four.",
    ]);
    expect(servers.openai?.requests).toHaveLength(2);
    expect(requestMessages(1).slice(-2)).toEqual([
      expect.objectContaining({
        role: "assistant",
        content: "Let me roll a die.",
        tool_calls: [
          {
            id: "call_die",
            type: "function",
            function: { name: "random_integer", arguments: '{"min":4,"max":4}' },
          },
        ],
      }),
      { role: "tool", tool_call_id: "call_die", content: "4" },
    ]);
  });

  it("turns bad tool calls into text for the model instead of failing", () => {
    expect(runTool("random_integer", "{not json")).toMatch(
      /^error: the arguments are not valid JSON/,
    );
    expect(runTool("random_integer", '{"min":5,"max":1}')).toMatch(/^error: need whole numbers/);
    expect(runTool("launch_rocket", "{}")).toBe("error: there is no tool called launch_rocket");
    expect(runTool("current_time", '{"timeZone":"Mars/Olympus"}')).toMatch(/^error: /);
    expect(runTool("current_time", '{"timeZone":"UTC"}')).toMatch(/\d{2}:\d{2}:\d{2}/);
    const rolled = Number(runTool("random_integer", '{"min":1,"max":6}'));
    expect(rolled >= 1 && rolled <= 6 && Number.isInteger(rolled)).toBe(true);
  });
});

describe("examples/webhook-bot.ts", () => {
  it("answers the webhook at once and streams the model's answer in the background", async () => {
    const options = await localServers([
      { text: "Streaming " },
      { delay: 150 },
      { text: "after the webhook " },
      { delay: 150 },
      { text: "was answered." },
    ]);
    const bot = createWebhookBot(newToken(), options);
    const webhook = await startWebhookServer(bot, { secretToken: "example_secret" });
    try {
      await bot.api.setWebhook(webhook.url, {
        secret_token: "example_secret",
        allowed_updates: [...ALLOWED_UPDATES],
      });
      const update = servers.emulator.sendUserMessage(CHAT, "hi");
      const sent = await servers.emulator.waitForCall(
        (c) => c.method === "sendMessage" && c.ok && c.chatId === CHAT,
      );

      expect(shownText(servers.emulator, CHAT)).toBe("Streaming after the webhook was answered.");
      const attempts = servers.emulator.webhookAttempts;
      expect(attempts.map((a) => [a.updateId, a.outcome])).toEqual([[update.update_id, "ok"]]);
      // Telegram had its answer before the model had finished.
      expect(attempts[0]?.answeredAt ?? Number.POSITIVE_INFINITY).toBeLessThan(sent.at);
      expect(servers.openai?.requests).toHaveLength(1);
    } finally {
      await webhook.close();
    }
  });

  it("refuses a request without the secret token", async () => {
    const bot = createWebhookBot(newToken(), await localServers([{ text: "never" }]));
    const webhook = await startWebhookServer(bot, { secretToken: "example_secret" });
    try {
      const update = {
        update_id: 1,
        message: { message_id: 1, date: 0, chat: { id: CHAT, type: "private" }, text: "hi" },
      };
      const forged = await fetch(webhook.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(update),
      });
      expect(forged.status).toBe(401);
      expect((await fetch(`${webhook.url}/elsewhere`, { method: "POST" })).status).toBe(404);
      expect(servers.openai?.requests).toHaveLength(0);
    } finally {
      await webhook.close();
    }
  });

  it("runs as a process: serves the webhook, registers it and answers", async () => {
    const options = await localServers([
      { text: "Hello from " },
      { delay: 20 },
      { text: "a webhook." },
    ]);
    const child = startExample("webhook-bot.ts", {
      BOT_TOKEN: newToken(),
      BOT_API_ROOT: options.apiRoot,
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: options.openaiBaseURL,
      PORT: "0",
      WEBHOOK_SECRET: "process_secret",
    });
    try {
      // Queued now, delivered once the process has registered its webhook.
      servers.emulator.sendUserMessage(CHAT, "hi");
      await servers.emulator.waitForCall(
        (c) => c.method === "sendMessage" && c.ok && c.chatId === CHAT,
        15_000,
      );
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    expect(shownText(servers.emulator, CHAT)).toBe("Hello from a webhook.");
    const setWebhook = servers.emulator.calls.find((c) => c.method === "setWebhook");
    expect(setWebhook?.params).toMatchObject({
      secret_token: "process_secret",
      allowed_updates: ["message", "stopped_message_generation"],
    });
    expect(String(setWebhook?.params.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/telegram$/);
    expect(servers.emulator.webhookAttempts.map((a) => a.outcome)).toEqual(["ok"]);
  }, 30_000);
});

/** Start an example with tsx, as a user would, with `env` over a clean environment. */
function startExample(file: string, env: Record<string, string>): ChildProcess {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  return spawn(`${root}node_modules/.bin/tsx`, [`examples/${file}`], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
}
