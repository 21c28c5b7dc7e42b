/**
 * The bot token never leaves the plugin inside an error. grammY's request
 * URLs contain it, and node-fetch quotes the URL when a connection fails.
 */
import { inspect } from "node:util";
import { HttpError } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { redactError, StreamDeliveryError, streamMessage } from "../../grammy-plugin/index.js";
import type { Emulator } from "../emulator/index.js";
import { createStreamBot, newToken, startTestEmulator, TIME_SCALE } from "./harness.js";

const CHAT = 2727;

let emulator: Emulator;

beforeEach(async () => {
  emulator = await startTestEmulator();
});

afterEach(async () => {
  await emulator.close();
});

/** Everything a logger could print about `error`: message, stack, and every field, nested and hidden ones too. */
function everythingAbout(error: unknown): string {
  const e = error as Error;
  return [
    String(e?.message),
    String(e?.stack),
    inspect(error, { depth: 12, showHidden: true }),
  ].join("\n");
}

/** Reset every sendMessage connection for the rest of the test. */
function resetAllSends(): void {
  for (let i = 0; i < 200; i++) emulator.injectFault({ method: "sendMessage", reset: true });
}

describe("errors never contain the token", () => {
  it("grammY's own error does carry it when connections are reset (so the check below means something)", async () => {
    const token = newToken();
    const bot = createStreamBot(emulator, { token, client: { sensitiveLogs: true } });
    resetAllSends();
    const error = await bot.api.sendMessage(CHAT, "hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(everythingAbout(error)).toContain(token);
  });

  it("ctx.streamReply rejects with a StreamDeliveryError free of the token when every send is reset", async () => {
    const token = newToken();
    const bot = createStreamBot(emulator, { token, client: { sensitiveLogs: true } });
    let failure: unknown;
    bot.on("message:text", async (ctx) => {
      failure = await ctx
        .streamReply(["The answer ", "that never ", "arrives."], {
          transport: "edit",
          maxFinalWaitMs: 600,
          format: "plain",
        })
        .catch((e: unknown) => e);
    });
    resetAllSends();

    await bot.handleUpdate(emulator.sendUserMessage(CHAT, "hi"));

    expect(
      emulator.calls.filter((c) => c.method === "sendMessage" && c.fault === "reset").length,
    ).toBeGreaterThan(0);
    expect(failure).toBeInstanceOf(StreamDeliveryError);
    expect((failure as StreamDeliveryError).undeliveredText).toBe("The answer that never arrives.");
    const printed = everythingAbout(failure);
    expect(printed).not.toContain(token);
    expect(printed).not.toContain(token.split(":")[1]);
  });

  it("streamMessage rejects without the token too, in the draft transport", async () => {
    const token = newToken();
    const bot = createStreamBot(emulator, { token, client: { sensitiveLogs: true } });
    resetAllSends();

    const failure = await streamMessage(bot.api, CHAT, ["Drafted ", "but never kept."], {
      format: "plain",
      maxFinalWaitMs: 600,
      timeScale: TIME_SCALE,
    }).catch((e: unknown) => e);

    expect(emulator.calls.some((c) => c.method === "sendMessageDraft" && c.ok)).toBe(true);
    expect(failure).toBeInstanceOf(StreamDeliveryError);
    expect(everythingAbout(failure)).not.toContain(token);
  });

  it("cleans an error a transformer throws with the token in it", async () => {
    const token = newToken();
    const bot = createStreamBot(emulator, {
      token,
      configure: (b) =>
        b.api.config.use(() => {
          throw Object.assign(
            new Error(`proxy refused https://api.telegram.org/bot${token}/sendMessage`),
            {
              error_code: 400,
              description: `Bad Request: proxy refused bot${token}`,
            },
          );
        }),
    });
    let failure: unknown;
    bot.on("message:text", async (ctx) => {
      failure = await ctx
        .streamReply("x", { transport: "edit", format: "plain" })
        .catch((e: unknown) => e);
    });

    await bot.handleUpdate(emulator.sendUserMessage(CHAT, "hi"));

    expect(failure).toBeInstanceOf(StreamDeliveryError);
    expect(everythingAbout(failure)).not.toContain(token.split(":")[1]);
  });
});

describe("redactError", () => {
  const token = "123456789:AAEhBOweik9ai3RHq0qf2h5mRNhEm-CaQhU";

  it("cleans message, stack and nested errors in place, keeping the error's class and fields", () => {
    const inner = new Error(`request to https://api.telegram.org/bot${token}/getMe failed`);
    const outer = new HttpError(`Network request for 'getMe' failed! (${inner.message})`, inner);
    const withCause = new Error("wrapped", { cause: outer });

    const cleaned = redactError(withCause);

    expect(cleaned).toBe(withCause);
    expect(outer).toBeInstanceOf(HttpError);
    expect(everythingAbout(cleaned)).not.toContain(token);
    expect(outer.message).toContain("<redacted-token>");
    expect(inner.message).toBe(
      "request to https://api.telegram.org/bot<redacted-token>/getMe failed",
    );
  });

  it("removes a token it is given even where it does not look like one", () => {
    const error = new Error("failed for bot 42:short");
    redactError(error, "42:short");
    expect(error.message).toBe("failed for bot <redacted-token>");
  });

  it("replaces a frozen error by a clean copy, and cleans strings", () => {
    const frozen = Object.freeze(new TypeError(`bad ${token}`));
    const cleaned = redactError(frozen) as Error;
    expect(cleaned).not.toBe(frozen);
    expect(cleaned.name).toBe("TypeError");
    expect(cleaned.message).toBe("bad <redacted-token>");
    expect(redactError(`text ${token}`)).toBe("text <redacted-token>");
  });

  it("leaves errors without a token and non-errors untouched", () => {
    const error = new RangeError("nothing secret");
    const stack = error.stack;
    expect(redactError(error)).toBe(error);
    expect(error.stack).toBe(stack);
    const value = { token };
    expect(redactError(value)).toBe(value);
  });

  it("cleans thrown objects that are not Errors, and every error of an AggregateError", () => {
    const thrown = { error_code: 400, description: `Bad Request: bot${token} refused` };
    expect(redactError(thrown)).toBe(thrown);
    expect(thrown.description).toBe("Bad Request: bot<redacted-token> refused");

    const attempts = new AggregateError(
      [new Error(`first ${token}`), { message: `second ${token}` }, `third ${token}`],
      "every attempt failed",
    );
    redactError(attempts);
    expect(everythingAbout(attempts)).not.toContain(token);
    expect(String(attempts.errors[2])).toBe("third <redacted-token>");
  });

  it("survives a cause cycle", () => {
    const a = new Error(`a ${token}`);
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(() => redactError(b)).not.toThrow();
    expect(a.message).toBe("a <redacted-token>");
  });
});
