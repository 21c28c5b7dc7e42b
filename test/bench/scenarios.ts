/**
 * The benchmark's scenarios: who the bot talks to and what the model says.
 */

import type { BenchChatType } from "./contenders/index.js";
import type { AnswerSpec } from "./producer.js";

/** One situation the contenders are compared in. */
export interface Scenario {
  /** Unique, readable, and what `--only=<regex>` matches, e.g. `private 3k @100/s`. */
  name: string;
  chatType: BenchChatType;
  /** Chats of one bot that get the same answer at the same time. */
  chats: number;
  /** The answer (its seed is derived from the name). */
  answer: Omit<AnswerSpec, "seed">;
  /** Part of `--quick`. */
  quick: boolean;
}

const SIZES = [1000, 3000, 12_000] as const;
const SPEEDS = [30, 100, 400] as const;

function sizeLabel(size: number): string {
  return `${size / 1000}k`;
}

/**
 * Every scenario of the full bench: private chats and groups with answers of
 * 1k, 3k and 12k characters at 30, 100 and 400 characters per second; a
 * reasoning model that is silent for 10 s first; an answer with two tool
 * calls; 100 and 1,000 private chats answered at once by one bot.
 */
export function allScenarios(): Scenario[] {
  const scenarios: Scenario[] = [];
  for (const chatType of ["private", "group"] as const) {
    for (const size of SIZES) {
      for (const speed of SPEEDS) {
        scenarios.push({
          name: `${chatType} ${sizeLabel(size)} @${speed}/s`,
          chatType,
          chats: 1,
          answer: { size, charsPerSecond: speed },
          quick: size === 1000 && speed === 100,
        });
      }
    }
    scenarios.push({
      name: `${chatType} reasoning 10 s, 1k @100/s`,
      chatType,
      chats: 1,
      answer: { size: 1000, charsPerSecond: 100, silenceMs: 10_000 },
      quick: chatType === "private",
    });
    scenarios.push({
      name: `${chatType} 2 tool calls, 3k @100/s`,
      chatType,
      chats: 1,
      answer: { size: 3000, charsPerSecond: 100, toolCalls: 2, toolPauseMs: 1500 },
      quick: chatType === "private",
    });
  }
  for (const chats of [100, 1000]) {
    scenarios.push({
      name: `${chats} private chats, 1k @100/s`,
      chatType: "private",
      chats,
      answer: { size: 1000, charsPerSecond: 100 },
      quick: chats === 100,
    });
  }
  return scenarios;
}

/**
 * The scenarios to run: all, or the `--quick` ones, narrowed to the names
 * matching `only`.
 */
export function selectScenarios(options: { quick?: boolean; only?: RegExp } = {}): Scenario[] {
  return allScenarios().filter(
    (s) => (!options.quick || s.quick) && (!options.only || options.only.test(s.name)),
  );
}

/** A stable seed from a scenario's name, so every run plays the same answer. */
export function seedOf(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return hash >>> 0;
}
