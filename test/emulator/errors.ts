/**
 * Error replies of the Bot API, worded as Telegram words them. A method
 * handler throws an {@link ApiError}; the server turns it into
 * `{ ok: false, error_code, description, parameters? }`.
 */

/** An error reply: HTTP status = `error_code`. */
export class ApiError extends Error {
  /**
   * @param code HTTP status and `error_code` (400, 403, 404, 409, 429, ...).
   * @param description the full `description`, e.g. "Bad Request: chat not found".
   * @param retryAfter for 429: seconds to report in `parameters.retry_after`.
   */
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
    this.name = "ApiError";
  }
}

/** `400 Bad Request: <detail>`. */
export function badRequest(detail: string): ApiError {
  return new ApiError(400, `Bad Request: ${detail}`);
}

/** `429 Too Many Requests: retry after N` with `parameters.retry_after = N`. */
export function tooManyRequests(retryAfter: number): ApiError {
  return new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
}

/** The descriptions a streamer meets, exactly as Telegram sends them. */
export const TelegramErrors = {
  chatNotFound: "chat not found",
  chatIdEmpty: "chat_id is empty",
  textEmpty: "message text is empty",
  sendTooLong: "message is too long",
  editTooLong: "MESSAGE_TOO_LONG",
  notUtf8: "text must be encoded in UTF-8",
  notModified:
    "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
  editNotFound: "message to edit not found",
  cantEdit: "message can't be edited",
  deleteNotFound: "message to delete not found",
  replyNotFound: "message to be replied not found",
  messageIdMissing: "message identifier is not specified",
  draftPeerInvalid: "TEXTDRAFT_PEER_INVALID",
  draftIdZero: "draft_id must be non-zero",
  threadNotFound: "message thread not found",
  unsupportedParseMode: "unsupported parse_mode",
  richEmpty: "rich message is empty",
  badChatAction: "wrong parameter action in request",
} as const;

/** The 403 description for a chat whose user blocked the bot (or removed it from the group). */
export function blockedDescription(chatType: string): string {
  switch (chatType) {
    case "private":
      return "Forbidden: bot was blocked by the user";
    case "channel":
      return "Forbidden: bot is not a member of the channel chat";
    default:
      return `Forbidden: bot was kicked from the ${chatType} chat`;
  }
}
