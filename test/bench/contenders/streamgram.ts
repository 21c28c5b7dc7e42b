import { Api } from "grammy";
import { streamMessage } from "../../../grammy-plugin/index.js";
import type { TransportMode } from "../../../shared/index.js";
import type { BenchChatType, Contender, StreamJob } from "./types.js";

/**
 * streamgram through its grammY plugin's `streamMessage`, as a bot would use
 * it: default options (Markdown, cursor, pacing to Telegram's limits), the
 * given transport, no auto-retry (streamgram handles 429s itself).
 */
export function streamgramContender(transport: TransportMode): Contender {
  const chatTypes: readonly BenchChatType[] =
    transport === "draft" ? ["private"] : ["private", "group"];
  return {
    name: `streamgram (${transport})`,
    chatTypes,
    createApi: (token, apiRoot) => new Api(token, { apiRoot }),
    async stream(job: StreamJob): Promise<void> {
      await streamMessage(job.api, job.chatId, job.events, {
        transport,
        chatType: job.chatType === "private" ? "private" : "supergroup",
        timeScale: job.timeScale,
        signal: job.signal,
      });
    },
  };
}
