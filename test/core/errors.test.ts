import { describe, expect, it } from "vitest";
import { classifyApiError, redactToken, StreamDeliveryError } from "../../shared/errors.js";

const reply = (error_code: number, description: string, retry_after?: number) => ({
  error_code,
  description,
  ...(retry_after ? { parameters: { retry_after } } : {}),
});

describe("classifyApiError", () => {
  it.each([
    [reply(429, "Too Many Requests: retry after 7", 7), "rate_limit"],
    [
      reply(400, "Bad Request: message is not modified: specified new message content"),
      "not_modified",
    ],
    [reply(400, "Bad Request: message to edit not found"), "message_gone"],
    [reply(400, "Bad Request: message can't be edited"), "message_gone"],
    [reply(400, "Bad Request: message is too long"), "too_long"],
    [reply(400, "Bad Request: MESSAGE_TOO_LONG"), "too_long"],
    [reply(400, "Bad Request: can't parse entities: Can't find end tag"), "parse"],
    [reply(400, "Bad Request: message thread not found"), "thread_not_found"],
    [reply(403, "Forbidden: bot was blocked by the user"), "forbidden"],
    [reply(502, "Bad Gateway"), "server"],
    [reply(400, "Bad Request: chat not found"), "forbidden"],
    [new Error("socket hang up"), "network"],
  ])("%o is %s", (error, kind) => {
    expect(classifyApiError(error, "editMessageText").kind).toBe(kind);
  });

  it("knows that drafts are unavailable from the draft methods' errors", () => {
    expect(
      classifyApiError(reply(400, "Bad Request: TEXTDRAFT_PEER_INVALID"), "sendMessageDraft").kind,
    ).toBe("draft_unsupported");
    expect(classifyApiError(reply(404, "Not Found"), "sendMessageDraft").kind).toBe(
      "draft_unsupported",
    );
    expect(classifyApiError(reply(404, "Not Found"), "sendMessage").kind).toBe("bad_request");
  });

  it("reads retry_after in seconds, from parameters or from the description", () => {
    expect(classifyApiError(reply(429, "Too Many Requests: retry after 12", 12)).retryAfterMs).toBe(
      12_000,
    );
    expect(classifyApiError(reply(429, "Too Many Requests: retry after 3")).retryAfterMs).toBe(
      3000,
    );
  });

  it("never carries a bot token in what it reports", () => {
    const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x";
    const failure = classifyApiError(
      reply(400, `Bad Request: something about /bot${token}/sendMessage`),
    );
    expect(failure.description).not.toContain(token);
    expect(
      classifyApiError(new Error(`request to https://api.telegram.org/bot${token}/x failed`))
        .description,
    ).not.toContain(token);
    expect(redactToken(`a ${token} b`)).toBe("a <redacted-token> b");
  });
});

describe("StreamDeliveryError", () => {
  it("says what was delivered and carries what was not", () => {
    const error = new StreamDeliveryError("forbidden", {
      delivered: [{ message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "Hi" }],
      deliveredText: "Hi",
      undeliveredText: "there",
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("StreamDeliveryError");
    expect(error.message).toContain("1 message(s) delivered, 5 characters undelivered");
    expect(error.undeliveredText).toBe("there");
  });
});
