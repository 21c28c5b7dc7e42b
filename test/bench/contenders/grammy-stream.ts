import { autoRetry } from "@grammyjs/auto-retry";
import { type MessageDraftPiece, streamApi } from "@grammyjs/stream";
import { Api } from "grammy";
import type { StreamEvent } from "../../../shared/types.js";
import { scaledRetryAfter } from "./scaled-retry.js";
import { type Contender, grammySignal, type StreamJob } from "./types.js";

/** Draft ids of a part: the plugin adds 1 per 4096 characters within a part, so parts are far apart. */
const DRAFT_IDS_PER_PART = 1000;

/**
 * The model's events as `@grammyjs/stream` pieces: text as it comes, and a
 * new `draft_id` after each tool boundary, which is how that plugin starts a
 * new message.
 */
async function* draftPieces(events: AsyncIterable<StreamEvent>): AsyncGenerator<MessageDraftPiece> {
  let part = 0;
  let newPart = false;
  for await (const event of events) {
    if (event.type === "segment") {
      part++;
      newPart = true;
    } else if (event.type === "delta" && event.text.length > 0) {
      yield newPart ? { draft_id: part * DRAFT_IDS_PER_PART, text: event.text } : event.text;
      newPart = false;
    }
  }
}

/**
 * The official grammY plugin `@grammyjs/stream` (`streamApi(api.raw).streamMessage`,
 * what `ctx.replyWithStream` calls), with `@grammyjs/auto-retry` installed as
 * its README asks. Drafts only, so private chats only.
 */
export const grammyStreamContender: Contender = {
  name: "@grammyjs/stream",
  chatTypes: ["private"],
  createApi(token, apiRoot, timeScale) {
    const api = new Api(token, { apiRoot });
    if (timeScale !== 1) api.config.use(scaledRetryAfter(timeScale));
    api.config.use(autoRetry());
    return api;
  },
  async stream(job: StreamJob): Promise<void> {
    // Draft ids must be non-zero; each cell has its own chats, so 1 is free.
    await streamApi(job.api.raw).streamMessage(
      job.chatId,
      1,
      draftPieces(job.events),
      undefined,
      undefined,
      grammySignal(job.signal),
    );
  },
};
