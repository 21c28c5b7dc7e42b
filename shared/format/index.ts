/**
 * Rendering the model's text into what Telegram shows: visible text plus a
 * `MessageEntity` array, so an update can never fail to parse.
 *
 * - {@link plainFormatter}, {@link markdownFormatter}, {@link htmlFormatter}:
 *   the built-in {@link Formatter}s; {@link resolveFormatter} picks one by name.
 * - {@link sliceFormatted}: cut a rendered text into messages.
 * - {@link validateEntities}: check entities the way Telegram does.
 * - {@link withReasoning}: show reasoning above the answer in a block quote.
 *
 * Everything here is pure and platform-agnostic: no grammY or Node-RED import.
 */
export type { Formatter } from "./formatter.js";
export { htmlFormatter } from "./html/formatter.js";
export { markdownFormatter } from "./markdown/formatter.js";
export { plainFormatter } from "./plain.js";
export { withReasoning } from "./reasoning.js";
export { resolveFormatter } from "./resolve.js";
export { sliceFormatted } from "./slice.js";
export { validateEntities } from "./validate.js";
