/**
 * The token check at deploy, on the real Node-RED runtime against the
 * emulator: the bot config node calls getMe once when it starts, and every
 * streamgram node using the bot shows the bot's name, or what is wrong, in
 * its status, once. The token appears in no status, log line or error.
 */
import { createServer } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../emulator/index.js";
import {
  helper,
  loadHarness,
  type Msg,
  type NodeStatus,
  sleep,
  TIME_SCALE,
  TOKEN,
  unloadHarness,
  waitFor,
} from "./harness.js";

afterEach(unloadHarness);

/** A second streamgram node on the same bot, wired nowhere. */
const SECOND_NODE = {
  id: "sg2",
  type: "streamgram",
  z: "f1",
  x: 100,
  y: 200,
  bot: "bot",
  delivery: "api",
  outputs: 2,
  wires: [[], []],
};

function statusesOf(id: string): NodeStatus[] {
  return helper._NodePrototype.status
    .getCalls()
    .filter((call) => call.thisValue.id === id)
    .map((call) => call.args[0] as NodeStatus);
}

/** Everything Node-RED logged since the flow was loaded, rendered with messages and stacks. */
function logText(): string {
  return helper
    .log()
    .getCalls()
    .map((call) => inspect(call.args, { depth: 8 }))
    .join("\n");
}

/** Log entries whose message contains `text`. */
function logEntries(text: string): unknown[] {
  return helper
    .log()
    .getCalls()
    .filter((call) => inspect(call.args, { depth: 8 }).includes(text));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

describe("the bot check at deploy", () => {
  it("a good token: every node using the bot shows its name, from one getMe call", async () => {
    const h = await loadHarness({ extraNodes: [SECOND_NODE] });
    const ready = { fill: "green", shape: "ring", text: "@emulated_123456_bot" };
    await waitFor(() => statusesOf("sg").length > 0 && statusesOf("sg2").length > 0);
    expect(statusesOf("sg")).toEqual([ready]);
    expect(statusesOf("sg2")).toEqual([ready]);
    expect(h.emulator.stats().calls.getMe).toBe(1);
    expect(logEntries("bot @emulated_123456_bot ready")).toHaveLength(1);

    // The bot streams as before, and the status moves on to the stream's outcome.
    h.send({ payload: "Checked and working.", chatId: 42 });
    h.send({ event: "done", chatId: 42 });
    await waitFor(() => h.results[0]);
    await waitFor(() => statusesOf("sg").at(-1)?.text === "done · 1 message", 1000);
  });

  it("a token Telegram does not know (401): a clear red status on each node, one log line, no token", async () => {
    const emulator = await startEmulator({ timeScale: TIME_SCALE });
    emulator.injectFault({ method: "getMe", error: { code: 401, description: "Unauthorized" } });
    await loadHarness({ reuse: emulator, extraNodes: [SECOND_NODE] });
    const refused = {
      fill: "red",
      shape: "ring",
      text: "token refused (401 Unauthorized): check the bot's token and API root",
    };
    await waitFor(() => statusesOf("sg").length > 0 && statusesOf("sg2").length > 0);
    expect(statusesOf("sg")).toEqual([refused]);
    expect(statusesOf("sg2")).toEqual([refused]);
    expect(logEntries("token refused (401 Unauthorized)")).toHaveLength(1);
    expect(logText()).not.toContain(TOKEN.split(":")[1]);
  });

  it("a token that is no token (404): red status, and one error per reply rather than per piece", async () => {
    const token = "not-a-bot-token-but-a-secret";
    const h = await loadHarness({ credentials: { token } });
    await waitFor(() => statusesOf("sg").length > 0);
    expect(statusesOf("sg")).toEqual([
      {
        fill: "red",
        shape: "ring",
        text: "token refused (404 Not Found): check the bot's token and API root",
      },
    ]);

    for (const piece of ["One ", "reply ", "in ", "five ", "pieces."]) {
      h.send({ payload: piece, chatId: 42 });
    }
    h.send({ event: "done", chatId: 42, marker: "the done" });
    // The reply fails once: its done msg goes to Catch with the text that was not delivered.
    const caught = await waitFor(() => h.caught[0]);
    await sleep(200);
    expect(h.caught).toHaveLength(1);
    expect(caught).toMatchObject({
      marker: "the done",
      undelivered: { reason: "failed", text: "One reply in five pieces." },
    });
    expect(h.results).toEqual([]);
    await waitFor(() => statusesOf("sg").at(-1)?.text === "failed: Not Found", 1000);

    const everything = [
      inspect(h.caught, { depth: 10 }),
      inspect(statusesOf("sg")),
      logText(),
    ].join("\n");
    expect(everything).toContain("404");
    expect(everything).not.toContain("but-a-secret");
  });

  it("an API root nothing answers on: red status naming the root, not the token", async () => {
    const root = `http://127.0.0.1:${await closedPort()}`;
    const h = await loadHarness({ bot: { apiRoot: root } });
    await waitFor(() => statusesOf("sg").length > 0);
    expect(statusesOf("sg")).toEqual([
      {
        fill: "red",
        shape: "ring",
        text: `cannot reach ${root} (ECONNREFUSED): check the API root`,
      },
    ]);
    expect(h.emulator.stats().calls.getMe ?? 0).toBe(0);
    expect(logEntries(`cannot reach ${root}`)).toHaveLength(1);
    expect(logText()).not.toContain(TOKEN.split(":")[1]);
  });

  it("a redeploy of the streamgram node alone shows the bot's name again without a new getMe", async () => {
    const h = await loadHarness();
    await waitFor(() => statusesOf("sg").length > 0);
    const flows = helper._redNodes.getFlows().flows as Msg[];
    const changed = flows.map((n) => (n.id === "sg" ? { ...n, name: "renamed" } : n));
    const before = statusesOf("sg").length;
    await helper.setFlows(changed as Array<Record<string, unknown>>, "nodes");
    // The old node clears its status as it closes; the new one shows the bot's name at once.
    expect(statusesOf("sg").slice(before)).toEqual([
      {},
      { fill: "green", shape: "ring", text: "@emulated_123456_bot" },
    ]);
    expect(h.emulator.stats().calls.getMe).toBe(1);
  });
});
