/**
 * Several processes of one bot, as real child processes with one token,
 * against the emulator and a real redis-server, at scaled time: a stop press
 * handled by another process, a process killed mid-reply (recovered once,
 * with two survivors), and a graceful shutdown on SIGTERM.
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../emulator/index.js";
import type { TimelineMessage } from "../emulator/types.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import { eventually, type Replica, startReplica, stopReplicas } from "./multi-process.js";

/** Every window 5x shorter: a 10 s lease lasts 2 s, the 30 s recovery bound is 6 s. */
const TIME_SCALE = 0.2;
const RECOVERY_BOUND_MS = 30_000 * TIME_SCALE;
const NOTE = "\n\n(interrupted)";
const CURSOR = " ▉";

let redis: RedisServer;
let emulator: Emulator;
let replicas: Replica[] = [];
let token: string;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});
beforeEach(async () => {
  emulator = await startEmulator({ timeScale: TIME_SCALE });
  // A fresh bot id per test: its keys in Redis start empty.
  token = `${8_100_000 + Math.floor(Math.random() * 100_000)}:AAReplicaSecret${Date.now()}`;
  replicas = [];
});
afterEach(async () => {
  await stopReplicas(replicas);
  await emulator.close();
});

async function start(...names: string[]): Promise<Replica[]> {
  const started = await Promise.all(
    names.map((name) =>
      startReplica(name, {
        apiRoot: emulator.apiRoot,
        token,
        redisUrl: redis.url,
        timeScale: TIME_SCALE,
      }),
    ),
  );
  replicas.push(...started);
  return started;
}

/** A user message asking for `words` words, one every `delayMs`. */
function ask(chatId: number, words: number, delayMs: number) {
  return emulator.sendUserMessage(chatId, JSON.stringify({ words, delayMs }));
}

/** Every version of one message, read afresh. */
function versionsOf(chat: number, messageId: number) {
  return emulator.visibleMessages(chat).find((m) => m.messageId === messageId)?.versions ?? [];
}

const current = (m: TimelineMessage) => m.versions.at(-1)?.text ?? "";
const withoutCursor = (text: string) =>
  text.endsWith(CURSOR) ? text.slice(0, -CURSOR.length) : text;

describe("a stop press handled by another process", { timeout: 60_000 }, () => {
  it("aborts the stream in the process that owns the draft within a second", async () => {
    const [owner, other] = (await start("owner", "other")) as [Replica, Replica];
    const chat = 5101;
    owner.handle(ask(chat, 3000, 10));
    const draft = await emulator.waitForCall(
      (c) =>
        c.method === "sendMessageDraft" &&
        c.ok &&
        c.chatId === chat &&
        String(c.params.text ?? "").length > 40,
      15_000,
    );
    const stop = emulator.pressStop(chat, Number(draft.params.draft_id));
    const pressedAt = Date.now();
    other.handle(stop);
    const aborted = await owner.next((m) => m.type === "model-aborted", 5_000);
    const latency = (aborted.at ?? 0) - pressedAt;
    console.log(`stop latency across processes: ${latency} ms`);
    expect(latency).toBeLessThan(1000);
    const result = await owner.next((m) => m.type === "result");
    expect(result.aborted).toBe(true);
    // What arrived is kept in one message, without cursor; the other process streamed nothing.
    const messages = emulator.visibleMessages(chat);
    expect(messages).toHaveLength(1);
    expect(current(messages[0] as TimelineMessage)).toBe(result.text);
    expect(result.text).not.toContain("▉");
    expect(other.messages.filter((m) => m.type === "result")).toHaveLength(0);
  });
});

describe("a process killed mid-reply", { timeout: 60_000 }, () => {
  it("in a group: a survivor edits the message to its final form with the note, exactly once", async () => {
    const [victim] = (await start("victim", "survivor-1", "survivor-2")) as [Replica];
    const chat = -1_001_234;
    victim.handle(ask(chat, 5000, 20));
    // Let it edit the message a few times.
    const message = await eventually(
      () => emulator.visibleMessages(chat).find((m) => m.versions.length >= 3),
      15_000,
      "the reply was edited three times",
    );
    victim.kill();
    const killedAt = emulator.now();
    await victim.exited;
    const lastShown = current(message);
    expect(lastShown.endsWith(CURSOR)).toBe(true);

    const recovered = await eventually(
      () => versionsOf(chat, message.messageId).find((v) => v.text.endsWith(NOTE.trim())),
      RECOVERY_BOUND_MS + 2_000,
      "the message was finished with the note",
    );
    const recoveryMs = recovered.at - killedAt;
    console.log(
      `group recovery after SIGKILL: ${Math.round(recoveryMs)} ms scaled (${(recoveryMs / TIME_SCALE / 1000).toFixed(1)} s unscaled)`,
    );
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    // The text the user saw (as of the last journal write), without the cursor, plus the note.
    const body = recovered.text.slice(0, -NOTE.trim().length).trimEnd();
    expect(withoutCursor(lastShown).startsWith(body)).toBe(true);
    expect(body.length).toBeGreaterThan(withoutCursor(lastShown).length - 200);
    expect(recovered.text).not.toContain("▉");

    // Two survivors, one recovery: wait a few more scans and count.
    await new Promise((resolve) => setTimeout(resolve, 3_000 * TIME_SCALE * 2));
    const finished = emulator.visibleMessages(chat);
    expect(finished).toHaveLength(1);
    const recoveryEdits = emulator.calls.filter(
      (c) => c.method === "editMessageText" && String(c.params.text ?? "").includes(NOTE.trim()),
    );
    expect(recoveryEdits).toHaveLength(1);
    expect(emulator.stats().tooManyRequests).toBe(0);
  });

  it("in a private chat: a survivor persists the draft's last text as a message, exactly once", async () => {
    const [victim] = (await start("victim", "survivor-1", "survivor-2")) as [Replica];
    const chat = 5202;
    victim.handle(ask(chat, 5000, 20));
    await emulator.waitForCall(
      (c) =>
        c.method === "sendMessageDraft" &&
        c.ok &&
        c.chatId === chat &&
        String(c.params.text ?? "").length > 300,
      15_000,
    );
    victim.kill();
    const killedAt = emulator.now();
    await victim.exited;
    const draft = emulator.timeline(chat).drafts.at(-1);
    const lastShown = draft?.versions.at(-1)?.text ?? "";
    expect(lastShown.endsWith(CURSOR)).toBe(true);

    const persisted = await eventually(
      () => emulator.visibleMessages(chat)[0],
      RECOVERY_BOUND_MS + 2_000,
      "the draft was persisted",
    );
    const recoveryMs = (persisted.versions[0]?.at ?? 0) - killedAt;
    console.log(
      `private-chat recovery after SIGKILL: ${Math.round(recoveryMs)} ms scaled (${(recoveryMs / TIME_SCALE / 1000).toFixed(1)} s unscaled)`,
    );
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    const text = current(persisted);
    expect(text.endsWith(NOTE.trim())).toBe(true);
    const body = text.slice(0, -NOTE.trim().length).trimEnd();
    // At most one journal write interval (1 s, scaled) behind what the draft showed.
    expect(withoutCursor(lastShown).startsWith(body)).toBe(true);
    expect(body.length).toBeGreaterThan(100);

    await new Promise((resolve) => setTimeout(resolve, 3_000 * TIME_SCALE * 2));
    expect(emulator.visibleMessages(chat)).toHaveLength(1);
    expect(emulator.stats().calls.sendMessage).toBe(1);
  });
});

describe("a process restarted after a crash", { timeout: 60_000 }, () => {
  it("finishes what its previous run left, with no other process running", async () => {
    const [victim] = (await start("victim")) as [Replica];
    const chat = -1_001_999;
    victim.handle(ask(chat, 5000, 20));
    const message = await eventually(
      () => emulator.visibleMessages(chat).find((m) => m.versions.length >= 3),
      15_000,
      "the reply was edited three times",
    );
    victim.kill();
    await victim.exited;
    await start("restarted");
    const startedAt = emulator.now();
    const recovered = await eventually(
      () => versionsOf(chat, message.messageId).find((v) => v.text.endsWith(NOTE.trim())),
      RECOVERY_BOUND_MS,
      "the restarted process finished the message",
    );
    console.log(
      `recovery by the restarted process: ${Math.round(recovered.at - startedAt)} ms scaled after its start`,
    );
    expect(recovered.text).not.toContain("▉");
    expect(emulator.visibleMessages(chat)).toHaveLength(1);
  });
});

describe("graceful shutdown on SIGTERM", { timeout: 60_000 }, () => {
  it("ends every stream within the deadline and persists what arrived", async () => {
    const [replica] = (await start("replica")) as [Replica];
    const privateChat = 5303;
    const group = -1_005_303;
    replica.handle(ask(privateChat, 5000, 20));
    replica.handle(ask(group, 5000, 20));
    await eventually(
      () =>
        emulator.visibleMessages(group)[0]?.versions.length &&
        emulator.timeline(privateChat).drafts.length > 0,
      15_000,
      "both replies are streaming",
    );
    const termAt = Date.now();
    replica.child.kill("SIGTERM");
    const done = await replica.next((m) => m.type === "shutdown-done", 10_000);
    expect(await replica.exited).toBe(0);
    expect((done.at ?? 0) - termAt).toBeLessThan(2_000 + 500);

    const results = replica.messages.filter((m) => m.type === "result");
    expect(results).toHaveLength(2);
    // Nothing is left for recovery: a process started later must not touch these messages.
    const redisClient = new Redis(redis.url);
    const botId = token.split(":")[0];
    const journals = await redisClient.keys(`streamgram:${botId}:open:*`);
    for (const key of journals) expect(await redisClient.hlen(key)).toBe(0);
    expect(await redisClient.keys(`streamgram:${botId}:lease:*`)).toEqual([]);
    await redisClient.quit();
    for (const chat of [privateChat, group]) {
      const result = results.find((r) => r.chatId === chat);
      expect(result?.aborted).toBe(true);
      const shown = emulator.visibleMessages(chat).map(current).join("\n");
      expect(shown).toBe(result?.text);
      expect(shown).not.toContain("▉");
      expect(shown).not.toContain("(interrupted)");
      expect(shown.length).toBeGreaterThan(0);
    }
  });

  it("leaves a message still held at the deadline to another process, which finishes it", async () => {
    const [replica] = (await start("replica", "survivor")) as [Replica];
    const group = -1_005_404;
    replica.handle(ask(group, 5000, 20));
    const message = await eventually(
      () => emulator.visibleMessages(group).find((m) => m.versions.length >= 2),
      15_000,
      "the reply is streaming",
    );
    // The next edit hangs: the stream's last text cannot reach Telegram before the deadline.
    emulator.injectFault({ method: "editMessageText", chatId: group, hang: true });
    replica.child.kill("SIGTERM");
    await replica.next((m) => m.type === "shutdown-done", 10_000);
    expect(await replica.exited).toBe(0);
    const result = replica.messages.find((m) => m.type === "result");
    expect(result?.error).toBeDefined();

    const finished = await eventually(
      () => versionsOf(group, message.messageId).find((v) => v.text.endsWith(NOTE.trim())),
      RECOVERY_BOUND_MS,
      "the survivor finished the held message",
    );
    expect(finished.text).not.toContain("▉");
    expect(emulator.visibleMessages(group)).toHaveLength(1);
  });
});
