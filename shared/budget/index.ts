/**
 * The rate budget: how streamgram keeps every call of a bot inside Telegram's
 * limits. One module per idea: pacing from the call history (`history`), one
 * chat's budget (`chat`), the bot's local budget (`bot`).
 * @module
 */
export { BotBudget, type BotBudgetOptions, type BudgetSlot } from "./bot.js";
export { type BudgetKind, type BudgetPriority, ChatBudget } from "./chat.js";
export { type Clock, systemClock } from "./clock.js";
export { type CallRecord, RateBucket } from "./history.js";
