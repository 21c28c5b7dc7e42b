/**
 * The words of the bot check (pure logic, with stand-ins for getMe): what
 * each failure says, the timeout, a cancelled check, and no token in any of it.
 */
import { describe, expect, it } from "vitest";
import {
  BotCheck,
  type BotCheckState,
  describeCheckFailure,
} from "../../node-red-node/bot-check.js";

const TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

/** Run a check whose getMe does `getMe`, and resolve with the outcome its listener hears. */
async function outcomeOf(
  getMe: (signal: AbortSignal) => Promise<unknown>,
  extra: { apiRoot?: string; timeoutMs?: number } = {},
): Promise<BotCheckState> {
  const check = new BotCheck({ getMe, apiRoot: extra.apiRoot, token: TOKEN, ...extra });
  const heard: BotCheckState[] = [];
  check.watch((state) => heard.push(state));
  await check.settled;
  expect(heard).toHaveLength(1);
  // A node watching after the outcome hears it at once.
  const late: BotCheckState[] = [];
  check.watch((state) => late.push(state));
  expect(late).toEqual(heard);
  return heard[0] as BotCheckState;
}

/** What grammY throws for a Bot API error reply. */
function apiError(code: number, description: string): Error {
  return Object.assign(new Error(`Call to 'getMe' failed! (${code}: ${description})`), {
    error_code: code,
    description,
  });
}

describe("the bot check", () => {
  it("reports the bot's username, or its first name when it has none", async () => {
    expect(await outcomeOf(async () => ({ id: 1, is_bot: true, username: "my_bot" }))).toEqual({
      state: "ok",
      username: "my_bot",
    });
    expect(await outcomeOf(async () => ({ id: 1, is_bot: true, first_name: "Helper" }))).toEqual({
      state: "ok",
      username: "Helper",
    });
  });

  it("names a refused token (401 and 404) and other refusals with Telegram's words", async () => {
    const refused = (code: number, text: string) =>
      outcomeOf(() => Promise.reject(apiError(code, text)));
    expect(await refused(401, "Unauthorized")).toEqual({
      state: "failed",
      reason: "token refused (401 Unauthorized): check the bot's token and API root",
    });
    expect(await refused(404, "Not Found")).toMatchObject({
      reason: "token refused (404 Not Found): check the bot's token and API root",
    });
    expect(await refused(500, "Internal Server Error")).toMatchObject({
      reason: "getMe failed (500 Internal Server Error)",
    });
  });

  it("names the API root when no answer comes, with the network's error code", async () => {
    const refusedConnection = Object.assign(new Error("Network request for 'getMe' failed!"), {
      error: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
        code: "ECONNREFUSED",
      }),
    });
    expect(
      await outcomeOf(() => Promise.reject(refusedConnection), { apiRoot: "http://127.0.0.1:9" }),
    ).toEqual({
      state: "failed",
      reason: "cannot reach http://127.0.0.1:9 (ECONNREFUSED): check the API root",
    });
    expect(await outcomeOf(() => Promise.reject(new Error("socket hang up")))).toMatchObject({
      reason: "cannot reach api.telegram.org (socket hang up): check the API root",
    });
  });

  it("gives up after its timeout, aborting the call", async () => {
    let aborted = false;
    const hanging = (signal: AbortSignal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          aborted = true;
          reject(new Error("The operation was aborted"));
        });
      });
    expect(await outcomeOf(hanging, { apiRoot: "http://127.0.0.1:9", timeoutMs: 20 })).toEqual({
      state: "failed",
      reason: "no answer from http://127.0.0.1:9: check the API root",
    });
    expect(aborted).toBe(true);
  });

  it("tells nothing once cancelled (the config node closed), and aborts the call", async () => {
    let signal: AbortSignal | undefined;
    const check = new BotCheck({
      getMe: (s) => {
        signal = s;
        return new Promise((_resolve, reject) =>
          s.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      },
      apiRoot: undefined,
      token: TOKEN,
    });
    const heard: BotCheckState[] = [];
    check.watch((state) => heard.push(state));
    check.cancel();
    await check.settled;
    expect(signal?.aborted).toBe(true);
    expect(heard).toEqual([]);
    expect(check.state).toEqual({ state: "checking" });
  });

  it("never repeats the token, even when an error quotes it", async () => {
    const quoting = apiError(404, `Not Found: /bot${TOKEN}/getMe`);
    const outcome = await outcomeOf(() => Promise.reject(quoting));
    expect(JSON.stringify(outcome)).not.toContain(TOKEN.split(":")[1]);
    const network = Object.assign(new Error("failed"), {
      error: new Error(`request to http://x/bot${TOKEN}/getMe failed`),
    });
    expect(describeCheckFailure(network, "http://x", false)).toContain(TOKEN);
    const scrubbed = await outcomeOf(() => Promise.reject(network));
    expect(JSON.stringify(scrubbed)).not.toContain(TOKEN.split(":")[1]);
  });
});
