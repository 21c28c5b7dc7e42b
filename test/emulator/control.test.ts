/**
 * The control routes (`/__emulator/...`) and the `streamgram-emulator`
 * command: a tester outside the process drives the user's side over HTTP
 * while a real grammY bot polls the emulator.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { Bot } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "./server.js";
import type { Emulator } from "./types.js";

let emulator: Emulator | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
  child = undefined;
});

async function control(root: string, path: string, body?: unknown) {
  const response = await fetch(`${root}/__emulator/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("control routes", () => {
  it("let a tester send a user message to a polling bot and read what the user sees", async () => {
    emulator = await startEmulator({ timeScale: 0.05 });
    const bot = new Bot("123456:control-secret", { client: { apiRoot: emulator.apiRoot } });
    bot.on("message:text", (ctx) => ctx.reply(`You said: ${ctx.msg.text}`));
    void bot.start({ timeout: 1 });
    try {
      const sent = await control(emulator.apiRoot, "messages", { chat_id: 42, text: "Hello" });
      expect(sent.status).toBe(200);
      expect(sent.body).toMatchObject({ ok: true, result: { message: { text: "Hello" } } });
      await emulator.waitForCall((c) => c.method === "sendMessage" && c.ok);
      const chat = await control(emulator.apiRoot, "chats/42");
      expect(chat.body).toMatchObject({ ok: true, result: { text: "You said: Hello" } });
      const stats = await control(emulator.apiRoot, "stats");
      expect(stats.body).toMatchObject({ ok: true, result: { calls: { sendMessage: 1 } } });
      // Control requests are not Bot API calls.
      expect(emulator.calls.some((c) => c.method.includes("emulator"))).toBe(false);
    } finally {
      await bot.stop();
    }
  });

  it("queue a stop press and raw updates", async () => {
    emulator = await startEmulator();
    const stop = await control(emulator.apiRoot, "stop", { chat_id: 42, draft_id: 7 });
    expect(stop.body).toMatchObject({
      ok: true,
      result: { stopped_message_generation: { draft_id: 7, chat: { id: 42 } } },
    });
    const raw = await control(emulator.apiRoot, "updates", {
      callback_query: { id: "1", data: "x" },
    });
    expect(raw.body).toMatchObject({ ok: true, result: { callback_query: { data: "x" } } });
  });

  it("answer bad requests with a 4xx naming the problem", async () => {
    emulator = await startEmulator();
    const root = emulator.apiRoot;
    expect(await control(root, "messages", { text: "no chat" })).toMatchObject({
      status: 400,
      body: { ok: false, error_code: 400, description: expect.stringMatching(/chat_id/) },
    });
    expect((await control(root, "messages", { chat_id: 0, text: "x" })).status).toBe(400);
    expect((await control(root, "messages", { chat_id: 5, text: "" })).body.description).toMatch(
      /text/,
    );
    expect((await control(root, "messages", "not json")).body.description).toMatch(/JSON/);
    expect((await control(root, "stop", { chat_id: 5 })).body.description).toMatch(/draft_id/);
    expect((await control(root, "nothing-here", {})).status).toBe(404);
    expect((await control(root, "messages")).status).toBe(405);
    expect((await control(root, "chats/0")).status).toBe(400);
  });
});

describe("the streamgram-emulator command", () => {
  it("prints its API root and token hints, serves a bot, takes user messages over HTTP, and stops on SIGTERM", async () => {
    const cli = join(import.meta.dirname, "cli.ts");
    child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!/Press Ctrl\+C/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no banner: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const root = /API root: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? "";
    expect(root).not.toBe("");
    expect(out).toContain("123456:TEST-secret_token");
    expect(out).toContain(`${root}/__emulator/messages`);

    const bot = new Bot("123456:cli-secret", { client: { apiRoot: root } });
    bot.on("message:text", (ctx) => ctx.reply(ctx.msg.text.toUpperCase()));
    void bot.start({ timeout: 1 });
    try {
      await control(root, "messages", { chat_id: 9, text: "loud" });
      await expect
        .poll(async () => (await control(root, "chats/9")).body.result, { timeout: 10_000 })
        .toMatchObject({ text: "LOUD" });
    } finally {
      await bot.stop();
    }
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("refuses a bad option with a clear message and exit code 2", async () => {
    const cli = join(import.meta.dirname, "cli.ts");
    child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "http"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(err).toMatch(/--port must be a whole number 0-65535, got http/);
  });
});
