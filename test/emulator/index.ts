/**
 * The local Telegram Bot API emulator: the single import point for tests
 * and benchmarks.
 *
 * @example
 * import { startEmulator } from "../emulator/index.js";
 * const emulator = await startEmulator({ timeScale: 0.05 });
 */

export { type ApiReply, callApi, TEST_TOKEN, waitUntil } from "./call-api.js";
export { ENTITY_TYPES, formatText, validateEntities } from "./entities.js";
export { EntityParseError } from "./entity-error.js";
export { parseHtml } from "./html.js";
export { DEFAULT_EMULATOR_LIMITS, RateLimiter } from "./limits.js";
export { parseMarkdown, parseMarkdownV2 } from "./markdown.js";
export { startEmulator } from "./server.js";
export type {
  CallRecord,
  ChatSpec,
  ChatTimeline,
  ChatType,
  DraftVanishReason,
  Emulator,
  EmulatorLimits,
  EmulatorOptions,
  EmulatorStats,
  Fault,
  RateWindow,
  TextVersion,
  TimelineDraft,
  TimelineMessage,
  Update,
  WebhookAttempt,
  WebhookOptions,
} from "./types.js";
