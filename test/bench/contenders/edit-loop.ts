import { autoRetry } from "@grammyjs/auto-retry";
import { Api } from "grammy";
import { scaledRetryAfter } from "./scaled-retry.js";
import { type Contender, grammySignal, type StreamJob } from "./types.js";

/** How often the loop edits, as hand-written bots do. */
const EDIT_INTERVAL_MS = 300;
/** Telegram's text limit; longer text continues in a new message. */
const TEXT_LIMIT = 4096;

/** Where to cut a text that is too long: the last line break or space within the limit. */
function cutAt(text: string): number {
  const at = Math.max(text.lastIndexOf("\n", TEXT_LIMIT), text.lastIndexOf(" ", TEXT_LIMIT));
  return at > 0 ? at : TEXT_LIMIT;
}

/** Resolves after `ms`, or at once when `early` settles. */
function pause(ms: number, early: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), early]).finally(
    () => clearTimeout(timer),
  );
}

/**
 * What many bots do by hand: `sendMessage` with the first text, then
 * `editMessageText` with the accumulated text every 300 ms while it changes,
 * and a final edit when the answer ends. Long text continues in a new message
 * at the last space before 4096 characters; a tool call starts a new message.
 * `@grammyjs/auto-retry` waits out 429s so the text is eventually delivered.
 */
export const editLoopContender: Contender = {
  name: "edit loop 0.3 s",
  chatTypes: ["private", "group"],
  createApi(token, apiRoot, timeScale) {
    const api = new Api(token, { apiRoot });
    if (timeScale !== 1) api.config.use(scaledRetryAfter(timeScale));
    api.config.use(autoRetry());
    return api;
  },
  async stream(job: StreamJob): Promise<void> {
    const { api, chatId } = job;
    const signal = grammySignal(job.signal);
    const parts: string[] = [""];
    const reading = (async () => {
      for await (const event of job.events) {
        if (event.type === "delta") parts[parts.length - 1] += event.text;
        else if (event.type === "segment") parts.push("");
      }
    })();
    let ended = false;
    void reading.finally(() => {
      ended = true;
    });

    let part = 0;
    /** Characters of the current part already finished in earlier messages. */
    let consumed = 0;
    let messageId: number | undefined;
    let shown = "";
    const show = async (text: string) => {
      if (messageId === undefined) {
        messageId = (await api.sendMessage(chatId, text, {}, signal)).message_id;
      } else {
        await api.editMessageText(chatId, messageId, text, {}, signal);
      }
      shown = text;
    };
    const nextMessage = () => {
      messageId = undefined;
      shown = "";
    };

    while (!job.signal.aborted) {
      if (!ended) await pause(EDIT_INTERVAL_MS * job.timeScale, reading);
      const lastPart = part === parts.length - 1;
      const partComplete = !lastPart || ended;
      const body = (parts[part] ?? "").slice(consumed);
      if (body.length > TEXT_LIMIT) {
        const cut = cutAt(body);
        const head = body.slice(0, cut).trim();
        // The message may already show exactly this (the last edit ended where the cut is).
        if (head !== shown) await show(head);
        consumed += cut;
        nextMessage();
        continue;
      }
      const text = body.trim();
      if (text.length > 0 && text !== shown) await show(text);
      if (partComplete) {
        if (lastPart) break;
        part++;
        consumed = 0;
        nextMessage();
      }
    }
    await reading;
  },
};
