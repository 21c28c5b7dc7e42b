/**
 * Crash recovery: find the processes of a bot whose lease ran out, take over
 * their open messages (atomically, so two survivors never both take one), and
 * finish each as the user last saw it.
 */
import type { ChatBudget } from "../budget.js";
import { classifyApiError } from "../errors.js";
import type { StreamHub } from "../hub.js";
import type { OpenMessage } from "../journal.js";
import { concatFormatted, isBlank, plainText, trimFormatted } from "../message-text.js";
import type { FormattedText } from "../types.js";
import { type RedisSharing, redisKey } from "./connection.js";

/**
 * Move the journal entries of every process whose lease has been gone for a
 * whole lease into ours, and return them as field/value pairs. The first scan
 * that finds a lease missing only notes the time (`missing:<id>`): a live
 * process whose lease vanished with a Redis restart, or ran out during an
 * outage, takes it again within a lease and is left alone. One script, so the
 * move is atomic: a second survivor running it finds nothing left.
 * KEYS: procs, our open hash, our lease. ARGV: key prefix, our id, lease ms.
 */
const CLAIM_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[3])
local claimed = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local missing = ARGV[1] .. 'missing:' .. id
  if id ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. 'lease:' .. id) == 0 then
    local since = redis.call('GET', missing)
    if not since then
      redis.call('SET', missing, now, 'PX', lease * 3)
    elseif now - tonumber(since) >= lease then
      local open = ARGV[1] .. 'open:' .. id
      local entries = redis.call('HGETALL', open)
      for i = 1, #entries, 2 do
        redis.call('HSET', KEYS[2], entries[i], entries[i + 1])
        claimed[#claimed + 1] = entries[i]
        claimed[#claimed + 1] = entries[i + 1]
      end
      redis.call('DEL', open, missing)
      redis.call('SREM', KEYS[1], id)
    end
  else
    redis.call('DEL', missing)
  end
end
if #claimed > 0 then
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
  redis.call('SADD', KEYS[1], ARGV[2])
end
return claimed`;

/** How often a failed recovery call is tried before the message is given up. */
const MAX_ATTEMPTS = 6;
const BACKOFF_FIRST_MS = 250;
/** How many 429s recovery waits out for one message. */
const MAX_PENALTIES = 10;

/** A message taken over from a dead process: its journal field and what it showed. */
export interface ClaimedMessage {
  field: string;
  message: OpenMessage;
}

/**
 * Take over the open messages of every dead process of the bot (one round
 * trip). They move into our own journal first, so if we die too, the next
 * survivor finishes them.
 */
export async function claimOrphans(
  sharing: RedisSharing,
  processId: string,
  leaseMs: number,
): Promise<ClaimedMessage[]> {
  const reply = await sharing.client.eval(
    CLAIM_SCRIPT,
    3,
    redisKey(sharing, "procs"),
    redisKey(sharing, `open:${processId}`),
    redisKey(sharing, `lease:${processId}`),
    redisKey(sharing, ""),
    processId,
    Math.ceil(leaseMs),
  );
  const pairs = Array.isArray(reply) ? reply.map(String) : [];
  const claimed: ClaimedMessage[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const message = parseOpenMessage(pairs[i + 1] as string);
    if (message) claimed.push({ field: pairs[i] as string, message });
  }
  return claimed;
}

function parseOpenMessage(json: string): OpenMessage | undefined {
  try {
    const value = JSON.parse(json) as OpenMessage;
    if (typeof value?.text !== "string" || !Array.isArray(value.entities)) return undefined;
    if (typeof value.chatId !== "number" && typeof value.chatId !== "string") return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/**
 * The final form of an interrupted message: what the user last saw without the
 * cursor (and the white space before it), then `note` when it fits in
 * `textLimit`. Undefined when the message showed no text.
 */
export function interruptedText(
  message: OpenMessage,
  defaultCursor: string,
  note: string,
  textLimit: number,
): FormattedText | undefined {
  const cursor = message.cursor ?? defaultCursor;
  let text = message.text;
  if (cursor && text.endsWith(cursor)) text = text.slice(0, text.length - cursor.length);
  const entities = message.entities.filter((e) => e.offset + e.length <= text.length);
  const shown = trimFormatted({ text, entities });
  if (isBlank(shown)) return undefined;
  if (note.trim().length === 0 || shown.text.length + note.length > textLimit) return shown;
  return concatFormatted(shown, plainText(note));
}

/** What recovery did with one message. */
export type RecoveryOutcome = "edited" | "sent" | "empty" | "gone" | "failed";

/**
 * Finish one interrupted message through the hub's budget (with final
 * priority) and Api: an edited message is edited to its final form, a draft's
 * text is sent as a message. Rate limits are waited out; a message that was
 * deleted or a chat that is closed is given up; other failures are retried a
 * few times. Never throws.
 */
export async function finishInterrupted(
  hub: StreamHub,
  message: OpenMessage,
  text: FormattedText | undefined,
): Promise<RecoveryOutcome> {
  if (!text) return "empty";
  const editing = message.transport === "edit";
  // A message sent without a known id cannot be edited, and sending its text again would repeat it.
  if (editing && message.messageId === undefined) return "gone";
  const isPrivate =
    message.transport === "draft" || (typeof message.chatId === "number" && message.chatId > 0);
  const chat = hub.budget.chat(message.chatId, isPrivate);
  try {
    return await finishWith(hub, message, text, chat);
  } finally {
    hub.budget.release(chat);
  }
}

/** {@link finishInterrupted} with the chat's budget taken. */
async function finishWith(
  hub: StreamHub,
  message: OpenMessage,
  text: FormattedText,
  chat: ChatBudget,
): Promise<RecoveryOutcome> {
  const editing = message.transport === "edit";
  let withEntities = text.entities.length > 0;
  let delay = BACKOFF_FIRST_MS;
  let penalties = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const payload: Record<string, unknown> = {
      chat_id: message.chatId,
      text: text.text,
      link_preview_options: { is_disabled: true },
    };
    if (withEntities) payload.entities = text.entities;
    if (message.businessConnectionId !== undefined)
      payload.business_connection_id = message.businessConnectionId;
    if (editing) payload.message_id = message.messageId;
    else if (message.threadId !== undefined) payload.message_thread_id = message.threadId;
    const method = editing ? "editMessageText" : "sendMessage";
    const slot = await hub.budget.acquire(chat, "message", "final");
    try {
      await hub.api.call(method, payload);
      hub.budget.succeeded(chat);
      return editing ? "edited" : "sent";
    } catch (error) {
      const failure = classifyApiError(error, method);
      switch (failure.kind) {
        case "not_modified":
          return "edited";
        case "rate_limit":
          hub.budget.penalize(chat, failure.retryAfterMs ?? 1000);
          // Waiting out a penalty is not a failed attempt, up to a point.
          if (++penalties <= MAX_PENALTIES) attempt--;
          continue;
        case "parse":
          if (!withEntities) return "failed";
          withEntities = false;
          continue;
        case "message_gone":
        case "forbidden":
        case "thread_not_found":
          return "gone";
        case "network":
        case "server":
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay *= 2;
          continue;
        default:
          return "failed";
      }
    } finally {
      slot.settle();
    }
  }
  return "failed";
}
