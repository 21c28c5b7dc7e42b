/**
 * How Telegram lets entity types nest, as enforced by its server (tdlib's
 * `fix_entities`). The builder follows these rules while rendering and
 * `validateEntities` checks them afterwards, so both agree on one table.
 *
 * - Splittable entities (bold, italic, underline, strikethrough, spoiler) may
 *   contain and be part of anything except `code` and `pre`; Telegram splits
 *   them around a code entity and drops the part inside it.
 * - Block quotes cannot be nested in each other, nor sit inside an atomic entity.
 * - Atomic entities (every other type: links, code, pre, mentions...) cannot
 *   contain or be part of another atomic entity; Telegram deletes the inner one.
 * - `code` and `pre` contain nothing and may only sit inside a block quote.
 */
import type { MessageEntity } from "../types.js";

/** The `type` of a Telegram message entity. */
export type EntityType = MessageEntity["type"];

/** Every entity type the Bot API defines, to reject typos and unknown types. */
export const ENTITY_TYPES: ReadonlySet<string> = new Set<EntityType>([
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
  "code",
  "pre",
  "text_link",
  "blockquote",
  "expandable_blockquote",
  "url",
  "mention",
  "hashtag",
  "cashtag",
  "bot_command",
  "email",
  "phone_number",
  "text_mention",
  "custom_emoji",
  "date_time",
]);

const SPLITTABLE: ReadonlySet<EntityType> = new Set<EntityType>([
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
]);

/** Bold, italic, underline, strikethrough and spoiler: free to nest with most things. */
export function isSplittable(type: EntityType): boolean {
  return SPLITTABLE.has(type);
}

/** `blockquote` or `expandable_blockquote`. */
export function isQuote(type: EntityType): boolean {
  return type === "blockquote" || type === "expandable_blockquote";
}

/** `code` or `pre`: shown monospace, may contain no other entity. */
export function isCodeLike(type: EntityType): boolean {
  return type === "code" || type === "pre";
}

/** Everything that is neither splittable nor a quote: links, code, mentions and the like. */
export function isAtomic(type: EntityType): boolean {
  return !isSplittable(type) && !isQuote(type);
}

/** Treat both quote types as one kind, because they may not nest in each other either. */
export function sameKind(a: EntityType, b: EntityType): boolean {
  return a === b || (isQuote(a) && isQuote(b));
}

/**
 * Why an entity of type `inner` may not sit inside one of type `outer`, or
 * `undefined` when Telegram accepts that nesting as is.
 */
export function nestingProblem(outer: EntityType, inner: EntityType): string | undefined {
  if (isCodeLike(outer)) return `${outer} cannot contain other entities`;
  if (sameKind(outer, inner)) return `${inner} cannot be nested in ${outer}`;
  if (isCodeLike(inner) && !isQuote(outer)) return `${inner} can only be nested in a block quote`;
  if (isAtomic(outer) && (isAtomic(inner) || isQuote(inner))) {
    return `${inner} cannot be nested in ${outer}`;
  }
  return undefined;
}
