/**
 * The node's status on the real Node-RED runtime under load: Node-RED sends
 * every status to every open editor, so ten streams fed piece by piece must
 * not redraw it for each message, and the end of the last stream still shows
 * promptly.
 */
import { afterEach, expect, it } from "vitest";
import { STATUS_INTERVAL_MS } from "../../node-red-node/status-throttle.js";
import { loadHarness, sleep, unloadHarness, visibleTexts, waitFor } from "./harness.js";

afterEach(unloadHarness);

const STREAMS = 10;
const PIECES = 30;

it("ten streams of 30 pieces each: a few statuses a second, the running streams shown, the end shown promptly", async () => {
  const h = await loadHarness();
  // The bot's check comes first; count from the first message on.
  await waitFor(() => h.statuses().length > 0);
  const before = h.statuses().length;
  const chats = Array.from({ length: STREAMS }, (_, i) => -105000 - i);

  const start = Date.now();
  for (let piece = 0; piece < PIECES; piece++) {
    for (const chatId of chats) h.send({ payload: `w${piece} `, chatId });
    await sleep(20);
  }
  for (const chatId of chats) h.send({ event: "done", chatId });
  await waitFor(() => h.results.length === STREAMS, 10_000);
  const ended = Date.now();
  // The last stream's end shows within one interval of its result.
  await waitFor(() => h.statuses().at(-1)?.text === "done · 1 message", STATUS_INTERVAL_MS + 200);
  const shown = h.statuses().slice(before);

  const expected = Array.from({ length: PIECES }, (_, piece) => `w${piece}`).join(" ");
  for (const chatId of chats) expect(visibleTexts(h.emulator, chatId)).toEqual([expected]);
  // 300 input messages and hundreds of platform updates; statuses: one per interval at most,
  // plus the final one.
  const allowed = Math.ceil((ended - start) / STATUS_INTERVAL_MS) + 2;
  expect(shown.length).toBeLessThanOrEqual(allowed);
  expect(h.updates.length).toBeGreaterThan(STREAMS * 3);
  // While they ran, the status told how many streams were running.
  expect(shown.map((s) => s.text)).toContainEqual(expect.stringMatching(/^10 streaming · /));
  expect(shown.at(-1)).toEqual({ fill: "green", shape: "dot", text: "done · 1 message" });
  // Nothing more is drawn once the streams are over.
  const count = h.statuses().length;
  await sleep(2 * STATUS_INTERVAL_MS);
  expect(h.statuses()).toHaveLength(count);
});
