/** The status under the streamgram node: what each state shows. */
import { describe, expect, it } from "vitest";
import { describeStatus } from "../../node-red-node/status.js";

describe("describeStatus", () => {
  it("shows nothing before the first stream", () => {
    expect(describeStatus({ active: 0 })).toEqual({});
  });

  it("shows running streams and the last action as a blue dot", () => {
    expect(describeStatus({ active: 2, lastAction: "edit" })).toEqual({
      fill: "blue",
      shape: "dot",
      text: "2 streaming · edit",
    });
    expect(describeStatus({ active: 1, lastAction: "send", awaitingAck: 1 }).text).toBe(
      "1 streaming · send · 1 awaiting sender",
    );
  });

  it("then shows how the last stream ended", () => {
    expect(describeStatus({ active: 0, lastOutcome: { ok: true, messages: 1 } })).toEqual({
      fill: "green",
      shape: "dot",
      text: "done · 1 message",
    });
    expect(describeStatus({ active: 0, lastOutcome: { ok: true, messages: 3 } }).text).toBe(
      "done · 3 messages",
    );
    expect(describeStatus({ active: 0, lastOutcome: { ok: false, reason: "forbidden" } })).toEqual({
      fill: "red",
      shape: "ring",
      text: "failed: forbidden",
    });
  });

  it("shows a problem over everything else, on one short line without the node's name", () => {
    const status = describeStatus({
      active: 3,
      problem: `streamgram: the bot has no token; open the bot configuration and enter it\nsecond line ${"x".repeat(100)}`,
    });
    expect(status).toEqual({
      fill: "red",
      shape: "ring",
      text: "the bot has no token; open the bot configuration and enter it",
    });
    const long = describeStatus({ active: 0, problem: "y".repeat(200) }).text ?? "";
    expect(long).toHaveLength(80);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("describeStatus with the bot's check", () => {
  it("shows the bot's name, or what is wrong, before the first stream", () => {
    expect(describeStatus({ active: 0, bot: { state: "checking" } })).toEqual({});
    expect(describeStatus({ active: 0, bot: { state: "ok", username: "my_bot" } })).toEqual({
      fill: "green",
      shape: "ring",
      text: "@my_bot",
    });
    expect(
      describeStatus({
        active: 0,
        bot: { state: "failed", reason: "token refused (401 Unauthorized)" },
      }),
    ).toEqual({ fill: "red", shape: "ring", text: "token refused (401 Unauthorized)" });
  });

  it("gives way to running streams and to how the last stream ended", () => {
    const bot = { state: "failed", reason: "cannot reach http://127.0.0.1:9" } as const;
    expect(describeStatus({ active: 1, lastAction: "edit", bot }).text).toBe("1 streaming · edit");
    expect(describeStatus({ active: 0, lastOutcome: { ok: true, messages: 1 }, bot }).text).toBe(
      "done · 1 message",
    );
  });
});
