/**
 * streamgram's core: platform-agnostic streaming of LLM output into Telegram
 * chats. No grammY or Node-RED import: platforms pass a {@link BotApi}.
 * @module
 */
export type { BotApi } from "./bot-api.js";
export {
  type Logger,
  RedisBudget,
  type RedisBudgetStats,
} from "./budget/redis.js";
export {
  BotBudget,
  type BudgetKind,
  type BudgetPriority,
  type BudgetSlot,
  ChatBudget,
  type Clock,
} from "./budget.js";
export { StreamConsumer } from "./consumer.js";
export {
  type ApiErrorKind,
  type ApiFailure,
  classifyApiError,
  type DeliveryFailureReason,
  type DeliveryReport,
  redactToken,
  StreamDeliveryError,
} from "./errors.js";
export * from "./format/index.js";
export { DEFAULT_INTERRUPTED_NOTE, StreamHub, type StreamHubOptions } from "./hub.js";
export type { OpenMessage, StreamJournal } from "./journal.js";
export {
  type RateBudget,
  type RateLimits,
  type RateWindow,
  resolveLimits,
  TELEGRAM_LIMITS,
} from "./limits.js";
export {
  type ChatType,
  type PlatformUpdate,
  type ResolvedStreamOptions,
  resolveStreamOptions,
  type StreamOptions,
  type TransportMode,
} from "./options.js";
export { createRedisClient } from "./redis/connect.js";
export type { RedisClient, RedisSharing } from "./redis/connection.js";
export { partialResultOf, type StreamResult, type StreamStats } from "./result.js";
export * from "./sources/index.js";
export {
  entityLimitOffset,
  lastGraphemeBoundary,
  splitAtBoundary,
  TELEGRAM_ENTITY_LIMIT,
  TELEGRAM_TEXT_LIMIT,
} from "./split.js";
export { type StoppedGeneration, stoppedGenerationOf } from "./stopped-generation.js";
export { ThinkFilter } from "./think-filter.js";
export type { FormattedText, MessageEntity, SentMessage, StreamEvent } from "./types.js";
