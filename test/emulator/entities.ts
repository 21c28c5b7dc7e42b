/**
 * From the `text`, `parse_mode` and `entities` parameters of a call to the
 * text Telegram stores: parse or validate, drop what Telegram drops, and
 * normalise whitespace.
 */

import type { FormattedText, MessageEntity } from "../../shared/types.js";
import { EntityParseError } from "./entity-error.js";
import { parseHtml } from "./html.js";
import { parseMarkdown, parseMarkdownV2 } from "./markdown.js";
import { normalizeFormattedText, sortEntities } from "./text.js";

/** Entity types Telegram accepts from bots. */
export const ENTITY_TYPES: ReadonlySet<string> = new Set<MessageEntity["type"]>([
  "mention",
  "hashtag",
  "cashtag",
  "bot_command",
  "url",
  "email",
  "phone_number",
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
  "blockquote",
  "expandable_blockquote",
  "code",
  "pre",
  "text_link",
  "text_mention",
  "custom_emoji",
  "date_time",
]);

/** Types whose content is shown verbatim: no other entity may sit inside them. */
const VERBATIM_TYPES = new Set(["code", "pre"]);

/** The fields an entity type requires beyond type, offset and length. */
const REQUIRED_FIELDS: Record<string, { field: string; kind: "String" | "Object" }> = {
  text_link: { field: "url", kind: "String" },
  custom_emoji: { field: "custom_emoji_id", kind: "String" },
  text_mention: { field: "user", kind: "Object" },
};

/**
 * Validate an explicit `entities` array against `text` (all in UTF-16 code
 * units). Stricter than Telegram, which silently repairs some mistakes: every
 * entity must have a known type, an integer offset >= 0, an integer length > 0,
 * lie within the text, carry the fields its type needs, and nothing may sit
 * inside or across a `pre` or `code` entity.
 *
 * @returns the entities, sorted by offset (outer first).
 * @throws EntityParseError naming the offending entity.
 */
export function validateEntities(text: string, entities: unknown): MessageEntity[] {
  if (!Array.isArray(entities)) {
    throw new EntityParseError('Field "entities" must be of type Array');
  }
  const valid: MessageEntity[] = [];
  for (const raw of entities as unknown[]) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new EntityParseError("MessageEntity must be an Object");
    }
    const entity = raw as Record<string, unknown>;
    const { type, offset, length } = entity;
    if (typeof type !== "string") {
      throw new EntityParseError('Field "type" must be of type String');
    }
    if (!ENTITY_TYPES.has(type)) {
      throw new EntityParseError(`Unsupported entity type "${type}"`);
    }
    if (typeof offset !== "number" || !Number.isInteger(offset)) {
      throw new EntityParseError('Field "offset" must be of type Number');
    }
    if (typeof length !== "number" || !Number.isInteger(length)) {
      throw new EntityParseError('Field "length" must be of type Number');
    }
    if (offset < 0) throw new EntityParseError(`Receive an entity with incorrect offset ${offset}`);
    if (length <= 0)
      throw new EntityParseError(`Receive an entity with incorrect length ${length}`);
    if (offset >= text.length) {
      throw new EntityParseError(
        `Entity begins after the end of the text at UTF-16 offset ${offset}`,
      );
    }
    if (offset + length > text.length) {
      throw new EntityParseError(
        `Entity beginning at UTF-16 offset ${offset} ends after the end of the text at UTF-16 offset ${offset + length}`,
      );
    }
    const required = REQUIRED_FIELDS[type];
    if (required) {
      const value = entity[required.field];
      const ok =
        required.kind === "String"
          ? typeof value === "string" && value !== ""
          : typeof value === "object" && value !== null;
      if (!ok) {
        throw new EntityParseError(
          `Field "${required.field}" must be of type ${required.kind} for a "${type}" entity`,
        );
      }
    }
    valid.push({ ...(entity as unknown as MessageEntity) });
  }

  const sorted = sortEntities(valid);
  for (const verbatim of sorted.filter((e) => VERBATIM_TYPES.has(e.type))) {
    const end = verbatim.offset + verbatim.length;
    for (const other of sorted) {
      if (other === verbatim) continue;
      const otherEnd = other.offset + other.length;
      const overlaps = other.offset < end && otherEnd > verbatim.offset;
      const encloses = other.offset <= verbatim.offset && otherEnd >= end;
      if (overlaps && !(encloses && !VERBATIM_TYPES.has(other.type))) {
        throw new EntityParseError(
          `Entity "${other.type}" at UTF-16 offset ${other.offset} can't be inside or across the "${verbatim.type}" entity at UTF-16 offset ${verbatim.offset}`,
        );
      }
    }
  }
  return sorted;
}

/**
 * Drop entities that lie inside a `pre` or `code` entity, as Telegram does
 * for text it parsed itself (`<pre><b>x</b></pre>` shows no bold).
 */
function dropEntitiesInsideVerbatim(entities: MessageEntity[]): MessageEntity[] {
  const kept: MessageEntity[] = [];
  const verbatim: MessageEntity[] = [];
  // Sorted outer first, and pre before a code of the same range.
  const ordered = sortEntities(entities).sort(
    (a, b) =>
      a.offset - b.offset ||
      b.length - a.length ||
      Number(b.type === "pre") - Number(a.type === "pre"),
  );
  for (const entity of ordered) {
    const inside = verbatim.some(
      (v) => entity.offset >= v.offset && entity.offset + entity.length <= v.offset + v.length,
    );
    if (inside) continue;
    kept.push(entity);
    if (VERBATIM_TYPES.has(entity.type)) verbatim.push(entity);
  }
  return kept;
}

/** The parse modes Telegram knows. */
export type ParseMode = "HTML" | "MarkdownV2" | "Markdown";

/** Thrown for a `parse_mode` Telegram does not know; the server answers `Bad Request: unsupported parse_mode`. */
export class UnsupportedParseModeError extends Error {
  constructor(parseMode: string) {
    super(`unsupported parse_mode "${parseMode}"`);
    this.name = "UnsupportedParseModeError";
  }
}

/**
 * Turn `text` with `parse_mode` or explicit `entities` into the text and
 * entities Telegram stores: parse (`parse_mode` wins over `entities`, as in the
 * Bot API), validate, then normalise whitespace and characters (see
 * {@link normalizeFormattedText}). Lengths are checked by the caller.
 *
 * @throws EntityParseError for markup or entity errors; UnsupportedParseModeError.
 */
export function formatText(text: string, parseMode?: string, entities?: unknown): FormattedText {
  let parsed: FormattedText;
  if (parseMode !== undefined && parseMode !== "") {
    switch (parseMode.toLowerCase()) {
      case "html":
        parsed = parseHtml(text);
        break;
      case "markdownv2":
        parsed = parseMarkdownV2(text);
        break;
      case "markdown":
        parsed = parseMarkdown(text);
        break;
      default:
        throw new UnsupportedParseModeError(parseMode);
    }
    parsed = { text: parsed.text, entities: dropEntitiesInsideVerbatim(parsed.entities) };
  } else if (entities !== undefined && entities !== null) {
    parsed = { text, entities: validateEntities(text, entities) };
  } else {
    parsed = { text, entities: [] };
  }
  return normalizeFormattedText(parsed);
}
