import type { FormattedText, MessageEntity } from "../types.js";
import {
  ENTITY_TYPES,
  type EntityType,
  isCodeLike,
  isQuote,
  isSplittable,
  nestingProblem,
} from "./entity-rules.js";
import { assertFormattedText } from "./format-checks.js";
import { hasLoneSurrogate, splitsSurrogatePair } from "./unicode.js";

/**
 * Check entities the way Telegram does and list every problem found; an empty
 * list means Telegram will show the entities exactly as given.
 *
 * Checked: known type; integer offset and length in UTF-16 units, length > 0,
 * inside the text and not cutting a surrogate pair; `text_link` has a URL;
 * entities are properly nested or disjoint; nothing inside `code`/`pre`;
 * `code`/`pre` nested only in a block quote; no block quote in a block quote;
 * no link, mention or code inside another such entity; no entity nested in one
 * of its own type. Also reported: a lone surrogate in the text, which Telegram
 * cannot encode. Not checked: the 4096-unit length limit and the ~100-entity
 * limit, which are the sender's business.
 *
 * Used by the tests and as a last guard before sending.
 *
 * @throws TypeError when `ft` is not a `{ text: string, entities: [] }` object.
 */
export function validateEntities(ft: FormattedText): string[] {
  assertFormattedText(ft, "ft");
  const problems: string[] = [];
  if (hasLoneSurrogate(ft.text)) problems.push("text contains a lone surrogate");
  const placed: Array<{ entity: MessageEntity; index: number; end: number }> = [];
  ft.entities.forEach((entity, index) => {
    const own = entityProblems(ft.text, entity);
    for (const problem of own) problems.push(`entity ${index} (${label(entity)}): ${problem}`);
    if (own.length === 0) placed.push({ entity, index, end: entity.offset + entity.length });
  });
  // Walk the entities as a tree: sorted outer first, a stack holds the chain of
  // entities containing the current one.
  placed.sort(
    (a, b) =>
      a.entity.offset - b.entity.offset ||
      b.entity.length - a.entity.length ||
      nestingRank(a.entity.type) - nestingRank(b.entity.type),
  );
  const stack: typeof placed = [];
  for (const current of placed) {
    while (stack.length > 0 && (stack.at(-1)?.end ?? 0) <= current.entity.offset) stack.pop();
    const parent = stack.at(-1);
    if (parent !== undefined && current.end > parent.end) {
      problems.push(
        `entity ${current.index} (${label(current.entity)}) partly overlaps entity ${parent.index} (${label(parent.entity)}); entities must be nested or disjoint`,
      );
      continue;
    }
    for (const outer of stack) {
      const problem = nestingProblem(outer.entity.type, current.entity.type);
      if (problem !== undefined) {
        problems.push(
          `entity ${current.index} (${label(current.entity)}) inside entity ${outer.index} (${label(outer.entity)}): ${problem}`,
        );
      }
    }
    stack.push(current);
  }
  return problems;
}

function entityProblems(text: string, entity: MessageEntity): string[] {
  if (typeof entity !== "object" || entity === null) return ["not an object"];
  const problems: string[] = [];
  if (!ENTITY_TYPES.has(entity.type)) problems.push(`unknown type ${JSON.stringify(entity.type)}`);
  const { offset, length } = entity;
  if (!Number.isInteger(offset) || offset < 0) {
    problems.push(`offset must be an integer >= 0, got ${String(offset)}`);
  }
  if (!Number.isInteger(length) || length <= 0) {
    problems.push(`length must be an integer > 0, got ${String(length)}`);
  }
  if (problems.length > 0) return problems;
  const end = offset + length;
  if (end > text.length) {
    problems.push(`ends at ${end}, after the end of the text (${text.length} UTF-16 units)`);
    return problems;
  }
  if (splitsSurrogatePair(text, offset))
    problems.push(`starts inside a surrogate pair at ${offset}`);
  if (splitsSurrogatePair(text, end)) problems.push(`ends inside a surrogate pair at ${end}`);
  if (entity.type === "text_link" && (typeof entity.url !== "string" || entity.url === "")) {
    problems.push("text_link needs a non-empty url");
  }
  if (entity.type === "custom_emoji" && typeof entity.custom_emoji_id !== "string") {
    problems.push("custom_emoji needs a custom_emoji_id");
  }
  if (entity.language !== undefined && typeof entity.language !== "string") {
    problems.push("language must be a string");
  }
  return problems;
}

/** For equal ranges, which entity to treat as the outer one: the order Telegram accepts. */
function nestingRank(type: EntityType): number {
  if (isQuote(type)) return 0;
  if (isSplittable(type)) return 1;
  if (isCodeLike(type)) return 3;
  return 2;
}

function label(entity: MessageEntity): string {
  return `${String(entity.type)} [${String(entity.offset)}, ${String(entity.offset + entity.length)})`;
}
