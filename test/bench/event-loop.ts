/**
 * How long streamgram blocks the event loop while the worst answers a model
 * can write stream through it: every hostile worst case (delimiter floods,
 * deep nesting, widening tables, unclosed fences; 32k characters each) fed in
 * 40-character chunks to one stream each, all at once, rendered as Markdown
 * and split into messages, against a Bot API that answers on the next turn
 * of the event loop.
 *
 * The figure is the longest single block `monitorEventLoopDelay` saw, less
 * its sampling resolution. One blocked loop stalls every stream of the process.
 */

import { monitorEventLoopDelay } from "node:perf_hooks";
import { type BotApi, StreamHub } from "../../shared/index.js";

/** What {@link longestBlock} found. */
export interface EventLoopFigures {
  /** Answers streamed at once. */
  streams: number;
  /** Characters streamed in all. */
  chars: number;
  /** The longest block of the event loop, in ms. */
  longestBlockMs: number;
  /** Messages the answers were split into. */
  messages: number;
}

const RESOLUTION_MS = 10;

/**
 * Stream each of `answers` (all at once, one stream each, in `chunkSize`
 * pieces with a macrotask between pieces, as network reads arrive) and measure
 * the longest block of the event loop.
 */
export async function longestBlock(
  answers: readonly string[],
  chunkSize = 40,
): Promise<EventLoopFigures> {
  let messageId = 0;
  // Answers on the next turn of the event loop, as a reply from the network would.
  const api: BotApi = {
    call: () =>
      new Promise((resolve) =>
        setImmediate(() =>
          resolve({ message_id: ++messageId, date: 0, chat: { id: 1, type: "private" } }),
        ),
      ),
  };
  const hub = new StreamHub(api, { timeScale: 0.01, defaults: { format: "markdown" } });
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const results = await Promise.all(
    answers.map(async (answer, index) => {
      const consumer = hub.stream(index % 2 === 0 ? 1000 + index : -1000 - index);
      for (let at = 0; at < answer.length; at += chunkSize) {
        consumer.delta(answer.slice(at, at + chunkSize));
        await new Promise((resolve) => setImmediate(resolve));
      }
      consumer.done();
      return consumer.result;
    }),
  );
  histogram.disable();
  return {
    streams: answers.length,
    chars: answers.reduce((sum, answer) => sum + answer.length, 0),
    longestBlockMs: Math.max(0, histogram.max / 1e6 - RESOLUTION_MS),
    messages: results.reduce((sum, result) => sum + result.messages.length, 0),
  };
}
