/**
 * The demo's model: a scripted answer played at a model's pace. It writes
 * Markdown (bold, italic, code, a code block, links, a quote, lists), calls a
 * tool halfway through, and runs past Telegram's 4096 characters, so one
 * answer shows everything streamgram does.
 */

import type { StreamEvent } from "../../shared/index.js";

/** One step of a script. */
export type ScriptStep =
  /** Text the model writes, token by token. */
  | { say: string }
  /** The model calls a tool and waits `ms` for its result: the answer continues in a new message. */
  | { toolCall: string; ms: number }
  /** The model is silent for `ms` (it thinks). */
  | { pause: number };

/** What the demo's model says, and how fast. */
export interface DemoScript {
  steps: readonly ScriptStep[];
  /** Speed range in characters per second; each token gets a random speed in it. Default [60, 100]. */
  charsPerSecond?: readonly [number, number];
}

const INTRO = `Let me look up the limits Telegram applies to this chat first.`;

const ANSWER = `## How streamgram streams this answer

You are watching a **live answer**: the text appears while the model writes it, and every update you see is paced to *Telegram's rate limits*. Nothing is ever sent twice, and nothing is lost.

> Telegram allows about **one message per second** in a private chat and about **20 per minute** in a group. Edits count against the same budget as new messages.

### Drafts in private chats

In a private chat streamgram uses \`sendMessageDraft\`: the draft animates as the text grows, and the *stop button* on it lets you end the answer early. When the answer is complete, exactly one \`sendMessage\` keeps it, and the draft disappears. Drafts have a budget of their own, **20 calls in 5 seconds and 40 in 30 seconds**, so streamgram spaces them evenly instead of sending as fast as it can.

### Edits in groups

Groups have no drafts, so streamgram sends one message and edits it with \`editMessageText\` as the text grows. At 20 calls per minute that is an edit every three seconds: slower, but never a penalty.

## What goes wrong elsewhere

Bots that stream by hand meet the same problems again and again:

1. **Floods.** An edit on every token gets a \`429 Too Many Requests\` with a \`retry_after\` that grows each time the bot ignores it: minutes, then hours.
2. **Truncated answers.** The final edit is lost to a rate limit, and the user keeps half a sentence with a cursor at the end.
3. **Duplicates.** "Message is not modified" is treated as a failure and the whole answer is sent again.
4. **Long answers.** Text over *4096 characters* is cut off silently, or split and resent in an endless loop.

streamgram handles each of these in one place, the **rate budget of the bot**, shared by every chat it talks to.

## Using it

Install the plugin and call \`ctx.streamReply\` with whatever your model's SDK returns:

\`\`\`ts
import { Bot, type Context } from "grammy";
import { streaming, type StreamFlavor } from "streamgram";

const bot = new Bot<StreamFlavor<Context>>(token);
bot.use(streaming());
bot.on("message:text", (ctx) =>
  ctx.streamReply((signal) =>
    openai.chat.completions.create(
      { model, messages, stream: true },
      { signal },
    ),
  ),
);
\`\`\`

The factory receives an \`AbortSignal\`: when the user presses stop, the model's request is cancelled too, and what arrived so far is kept as the answer.

### Sources it understands

- OpenAI chat completions and the Responses API
- The AI SDK's \`streamText\` result, its \`textStream\` and \`fullStream\`
- Any async iterable of strings, a \`ReadableStream\` of text or bytes
- Explicit events: \`{ type: "delta" }\`, \`{ type: "segment" }\` for tool calls

### Formatting

Models write Markdown, so the plugin renders it by default: **bold**, *italic*, ~~strikethrough~~, \`inline code\`, code blocks with a language, [links](https://core.telegram.org/bots/api#sendmessagedraft), lists and quotes. The text is turned into Telegram *entities* before it is sent, so an unfinished \`**\` halfway through a stream never makes Telegram reject an update. Text that only looks like markup stays text: \`<b>not bold</b>\` is shown as written.

## Long answers

This answer is long on purpose. Telegram refuses messages over **4096 UTF-16 code units**, so when the text grows past that, streamgram finishes the current message at the best boundary it can find (a paragraph break, then a line break, a sentence, a space) and continues in a new message below. You have probably seen it happen a moment ago: the first message stopped growing and a new one started.

Counting matters too. Telegram counts UTF-16 code units, which is what JavaScript strings count, but emoji such as 🚀 take two of them and a family emoji takes eight. Splitting through the middle of one makes Telegram reject the message, so streamgram only cuts between whole characters.

> The split keeps formatting intact: a code block cut in two is closed at the end of the first message and opened again at the start of the next one.

### Tool calls

At the start of this answer the model called a tool. streamgram finished the message it was writing, so the text before the tool call stays where it was, and the rest of the answer continued below. Fast tool calls leave no empty messages behind, and no cursor is ever left in a finished message.

### What you can try

- Send another message while this one is streaming: the bot answers it right after this one, in order, and every reply shares the bot's one rate budget.
- Switch to the **group** chat above: the same answer arrives as one edited message at a time.
- Press the **stop button** on the draft: the answer ends where it is, and the text so far becomes a normal message.

## The numbers

The counters at the top of the page come from the emulator, which answers like Telegram and enforces its documented limits: the API calls the bot made, how many were refused with 429, and the *lag*, the time between the model writing a character and you seeing it. In a private chat the lag stays well under a second; in a group it is bounded by the three-second edit interval.

_That is the whole demo. Thanks for watching the stream._`;

/**
 * The demo's answer: a short sentence, a tool call, then a long Markdown
 * answer (some 6,000 characters) that splits into two messages or more.
 */
export function defaultScript(): DemoScript {
  return {
    steps: [
      { pause: 800 },
      { say: INTRO },
      { toolCall: "get_rate_limits", ms: 1500 },
      { say: ANSWER },
    ],
  };
}

/** Options of {@link playScript}. */
export interface PlayOptions {
  /** Multiplies every wait: 0.05 plays 20x faster. Default 1. */
  timeScale?: number;
  /** Stops the playback (the stop button, the bot shutting down). */
  signal?: AbortSignal;
  /** Random numbers in [0, 1) for token sizes and speeds. Default `Math.random`. */
  random?: () => number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Play `script` as a model would: text in tokens of 2-6 characters, each at a
 * random speed within the script's range, a `segment` event at each tool
 * call. Ends early, without error, when `signal` aborts.
 * @throws RangeError for a bad speed range or time scale.
 */
export async function* playScript(
  script: DemoScript,
  options: PlayOptions = {},
): AsyncGenerator<StreamEvent> {
  const [slowest, fastest] = script.charsPerSecond ?? [60, 100];
  if (!(slowest > 0 && fastest >= slowest)) {
    throw new RangeError(
      `charsPerSecond must be [min, max] with 0 < min <= max, got [${slowest}, ${fastest}]`,
    );
  }
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
  const random = options.random ?? Math.random;
  const { signal } = options;
  for (const step of script.steps) {
    if (signal?.aborted) return;
    if ("pause" in step) {
      await sleep(step.pause * timeScale, signal);
    } else if ("toolCall" in step) {
      yield { type: "segment" };
      await sleep(step.ms * timeScale, signal);
    } else {
      for (let i = 0; i < step.say.length && !signal?.aborted; ) {
        const size = 2 + Math.floor(random() * 5);
        // Never split a surrogate pair: a real tokenizer does not either.
        let end = Math.min(step.say.length, i + size);
        if (/[\uD800-\uDBFF]/.test(step.say.charAt(end - 1))) end++;
        const piece = step.say.slice(i, end);
        i = end;
        const speed = slowest + random() * (fastest - slowest);
        await sleep((piece.length / speed) * 1000 * timeScale, signal);
        if (signal?.aborted) return;
        yield { type: "delta", text: piece };
      }
    }
  }
}

/** The text parts of `script` between tool calls, in order: what its messages say, before rendering. */
export function scriptParts(script: DemoScript): string[] {
  const parts = [""];
  for (const step of script.steps) {
    if ("toolCall" in step) parts.push("");
    else if ("say" in step) parts[parts.length - 1] += step.say;
  }
  return parts.filter((part) => part.length > 0);
}
