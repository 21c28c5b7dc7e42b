/**
 * The bot token stays a credential: typed into the editor, it is stored apart
 * from the flow, and it never appears in the flow JSON, in any message the
 * node sends or hands to Catch, in its status, or in Node-RED's log, even
 * when Telegram's error quotes it.
 */
import { inspect } from "node:util";
import { afterEach, expect, it } from "vitest";
import {
  harnessFlow,
  helper,
  loadHarness,
  type Msg,
  TOKEN,
  unloadHarness,
  waitFor,
} from "./harness.js";

afterEach(unloadHarness);

/** The part of the token that is secret. */
const SECRET = TOKEN.split(":")[1] ?? TOKEN;

/** Everything Node-RED logged while the flow ran, rendered with messages and stacks. */
function logText(): string {
  return helper
    .log()
    .getCalls()
    .map((call) => inspect(call.args, { depth: 8 }))
    .join("\n");
}

it("a token typed into the editor is stored as a credential, not in the flow, and the bot works with it", async () => {
  const h = await loadHarness({ credentials: {} });
  // What the editor's Deploy sends: the config node carries the typed token inline.
  const flow = harnessFlow(h.emulator.apiRoot).map((node) =>
    node.id === "bot" ? { ...node, credentials: { token: TOKEN } } : node,
  );
  await helper.setFlows(flow, "full");

  const deployed = JSON.stringify(helper._redNodes.getFlows());
  expect(deployed).not.toContain(SECRET);
  expect(helper.getNode("bot").credentials).toEqual({ token: TOKEN });

  const results: Msg[] = [];
  helper.getNode("results").on("input", (msg: Msg) => results.push(msg));
  helper.getNode("sg").receive({ payload: "Deployed from the editor.", chatId: 42 });
  helper.getNode("sg").receive({ event: "done", chatId: 42 });
  await waitFor(() => results[0]);
});

it("keeps the token out of every message, status and log line, even when an error quotes it", async () => {
  // Too short to look like a bot token, so only the node's own scrubbing (by value) can remove it.
  const token = "123456:short-secret";
  const h = await loadHarness({ credentials: { token } });
  const group = -103000;
  // Telegram's description quotes the token: the error would carry it into the log and to Catch.
  h.emulator.injectFault({
    method: "sendMessage",
    chatId: group,
    error: { code: 400, description: `Bad Request: unexpected bot${token} in request` },
  });
  h.send({ payload: "This reply fails.", chatId: group });
  h.send({ event: "done", chatId: group });
  h.send({ payload: "This reply works.", chatId: 42 });
  h.send({ event: "done", chatId: 42 });

  const caught = await waitFor(() => h.caught[0]);
  await waitFor(() => h.results[0]);
  // The error did quote it, scrubbed.
  expect((caught.error as { message: string }).message).toContain(
    "unexpected bot<redacted-token> in request",
  );

  const everything = [
    inspect(h.arrivals, { depth: 10 }),
    inspect(h.statuses(), { depth: 4 }),
    JSON.stringify(helper._redNodes.getFlows()),
    logText(),
  ].join("\n");
  expect(everything).toContain("This reply works.");
  expect(everything).not.toContain("short-secret");
});
