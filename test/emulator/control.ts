/**
 * The emulator's control routes: what a user does in Telegram, over HTTP, for
 * testers outside the process that started the emulator (the
 * `streamgram-emulator` command, a bot written in another language). They sit
 * beside the Bot API under `/__emulator/`, are never recorded as calls, and
 * answer in the Bot API's shape: `{ ok: true, result }` or
 * `{ ok: false, error_code: 400 | 404 | 405, description }`.
 *
 * - `POST /__emulator/messages` `{ chat_id, text, message_thread_id? }`: the
 *   user sends a text message (an `Update`, queued for `getUpdates`).
 * - `POST /__emulator/stop` `{ chat_id, draft_id, message_thread_id? }`: the
 *   user presses a draft's stop button.
 * - `POST /__emulator/updates` `{ ...update }`: queue any raw update.
 * - `GET /__emulator/chats/<chat_id>`: what the user of that chat sees
 *   (`text`, as `visibleText` with the live draft) and saw (`timeline`).
 * - `GET /__emulator/stats`: calls by method, 429s, errors.
 */

import type { Emulator, Update } from "./types.js";

/** Every control route starts with this. */
export const CONTROL_PREFIX = "/__emulator/";

/** A control route's reply: HTTP status and JSON body. */
export interface ControlReply {
  status: number;
  body: Record<string, unknown>;
}

/** A request the tester got wrong: answered with its status and message. */
class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseBody(body: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ControlError(400, "the body must be a JSON object");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ControlError(400, "the body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function integer(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  if (!Number.isSafeInteger(value)) {
    throw new ControlError(400, `${field} must be an integer, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function optionalInteger(body: Record<string, unknown>, field: string): number | undefined {
  return body[field] === undefined ? undefined : integer(body, field);
}

/** Run one control request against `emulator`. */
function route(emulator: Emulator, method: string, path: string, raw: string): unknown {
  const name = path.slice(CONTROL_PREFIX.length).replace(/\/$/, "");
  const chat = /^chats\/(-?\d+)$/.exec(name);
  if (chat) {
    if (method !== "GET") throw new ControlError(405, "Method Not Allowed: use GET");
    const chatId = Number(chat[1]);
    if (chatId === 0) throw new ControlError(400, "chat_id must be a non-zero integer");
    return {
      text: emulator.visibleText(chatId, { includeDraft: true }),
      timeline: emulator.timeline(chatId),
    };
  }
  if (name === "stats") {
    if (method !== "GET") throw new ControlError(405, "Method Not Allowed: use GET");
    return emulator.stats();
  }
  if (!["messages", "stop", "updates"].includes(name)) throw new ControlError(404, "Not Found");
  if (method !== "POST") throw new ControlError(405, "Method Not Allowed: use POST");
  const body = parseBody(raw);
  if (name === "updates") return emulator.injectUpdate(body as Omit<Update, "update_id">);
  const chatId = integer(body, "chat_id");
  const threadId = optionalInteger(body, "message_thread_id");
  if (name === "stop") return emulator.pressStop(chatId, integer(body, "draft_id"), threadId);
  if (typeof body.text !== "string" || body.text.length === 0) {
    throw new ControlError(400, "text must be a non-empty string");
  }
  return emulator.sendUserMessage(chatId, body.text, threadId === undefined ? {} : { threadId });
}

/**
 * Answer a request to a control route. Bad input (a missing field, a chat id
 * of 0) is a 400 naming the field; unknown routes are 404.
 */
export function controlReply(
  emulator: Emulator,
  method: string,
  path: string,
  body: string,
): ControlReply {
  try {
    return { status: 200, body: { ok: true, result: route(emulator, method, path, body) } };
  } catch (error) {
    const status =
      error instanceof ControlError
        ? error.status
        : error instanceof TypeError || error instanceof RangeError
          ? 400
          : 500;
    const description = error instanceof Error ? error.message : String(error);
    return { status, body: { ok: false, error_code: status, description } };
  }
}
