/** Scrubbing the bot token from errors before Node-RED logs them or hands them to Catch nodes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scrubError, scrubText } from "../../node-red-node/secrets.js";

const TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

describe("scrubbing the token", () => {
  it("removes the exact token, and anything shaped like a bot token", () => {
    expect(scrubText(`GET /bot${TOKEN}/sendMessage failed`, TOKEN)).toBe(
      "GET /bot<redacted-token>/sendMessage failed",
    );
    // A token that does not look like one (e.g. a test server's) is still removed when it is the bot's.
    expect(scrubText("call with short:tok failed", "short:tok")).toBe(
      "call with <redacted-token> failed",
    );
    expect(scrubText("another bot 987654321:ZYXwvuTSRqpoNMLkjiHGFedcba_-12345", undefined)).toBe(
      "another bot <redacted-token>",
    );
  });

  it("never leaves the token in any text it is embedded in", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        expect(scrubText(before + TOKEN + after, TOKEN)).not.toContain(TOKEN);
      }),
    );
  });

  it("returns the same error object when it holds no token, so its own fields stay", () => {
    const error = Object.assign(new Error("blocked"), { reason: "forbidden" });
    expect(scrubError(error, TOKEN)).toBe(error);
  });

  it("replaces an error quoting the token with a scrubbed one of the same name, message and stack", () => {
    const error = new TypeError(`fetch https://api.telegram.org/bot${TOKEN}/getMe failed`);
    const clean = scrubError(error, TOKEN) as Error;
    expect(clean).not.toBe(error);
    expect(clean.name).toBe("TypeError");
    expect(clean.message).toBe("fetch https://api.telegram.org/bot<redacted-token>/getMe failed");
    expect(clean.stack).not.toContain(TOKEN);
    expect(scrubError(`text ${TOKEN}`, TOKEN)).toBe("text <redacted-token>");
  });
});
