/**
 * Every contender of the benchmark, in table order.
 */
import { editLoopContender } from "./edit-loop.js";
import { grammyStreamContender } from "./grammy-stream.js";
import { streamgramContender } from "./streamgram.js";
import type { Contender } from "./types.js";

export type { BenchChatType, Contender, StreamJob } from "./types.js";

/** streamgram's three transports, `@grammyjs/stream`, and a hand-written edit loop. */
export const CONTENDERS: readonly Contender[] = [
  streamgramContender("auto"),
  streamgramContender("draft"),
  streamgramContender("edit"),
  grammyStreamContender,
  editLoopContender,
];
