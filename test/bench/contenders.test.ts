/**
 * The bench's hand-written edit loop must be a fair contender: a bot author
 * would have fixed a crash on a long answer, so the bench does too.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../emulator/index.js";
import { editLoopContender } from "./contenders/edit-loop.js";
import { EventChannel } from "./producer.js";

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe("edit loop contender", () => {
  it("continues in a new message when the text passes 4096 right after an edit that showed all of it", async () => {
    emulator = await startEmulator({ unlimited: true });
    const api = editLoopContender.createApi("8080:edit-loop", emulator.apiRoot, 0.05);
    const events = new EventChannel();
    const streamed = editLoopContender.stream({
      api,
      chatId: 42,
      chatType: "private",
      events,
      timeScale: 0.05,
      signal: new AbortController().signal,
    });
    // 4094 characters: the message shows all of them...
    const first = `${"word ".repeat(818)}last`;
    events.push({ type: "delta", text: first });
    await emulator.waitForCall((c) => c.method === "sendMessage" && c.ok);
    // ...then the text grows past the limit, and the best cut is right where the message ends.
    const rest = "tail ".repeat(30).trim();
    events.push({ type: "delta", text: ` ${rest}` });
    events.end();
    await streamed;
    expect(
      emulator.visibleMessages(42).map((m) => m.versions[m.versions.length - 1]?.text),
    ).toEqual([first, rest]);
  });
});
