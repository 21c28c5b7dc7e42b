/**
 * Text helpers that mirror what Telegram does to a message text after entity
 * parsing: drop and replace a few characters, then trim whitespace, keeping
 * entity offsets (UTF-16 code units) in step.
 */

import type { FormattedText, MessageEntity } from "../../shared/types.js";

/** True if `text` holds a UTF-16 surrogate that is not half of a pair (not encodable as UTF-8). */
export function hasLoneSurrogate(text: string): boolean {
  // With the `u` flag a valid pair is one code point, so only lone halves match.
  return /\p{Cs}/u.test(text);
}

/** Byte offset in UTF-8 of the UTF-16 index `index` of `text`; Telegram reports parse errors in bytes. */
export function utf8ByteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), "utf8");
}

/** Entities whose payload is hidden data (a link target, a user, an emoji id): kept even over whitespace. */
const HIDDEN_DATA_TYPES = new Set(["text_link", "text_mention", "custom_emoji"]);

function isBlank(char: string | undefined): boolean {
  return char === " " || char === "\n";
}

/**
 * What Telegram's server does to characters: `\r` and a few invisible
 * formatting characters (U+2028-U+202E, combining vertical lines) are removed,
 * other control characters (tab included) become spaces.
 * Returns the new text and, for every old index, its new index.
 */
function cleanCharacters(text: string): { text: string; indexMap: number[] } {
  let out = "";
  const indexMap: number[] = [];
  for (let i = 0; i < text.length; i++) {
    indexMap.push(out.length);
    const code = text.charCodeAt(i);
    if (code === 0x0d || (code >= 0x2028 && code <= 0x202e)) continue;
    if (code === 0x0333 || code === 0x033f || code === 0x030a) continue;
    out += code < 0x20 && code !== 0x0a ? " " : text[i];
  }
  indexMap.push(out.length);
  return { text: out, indexMap };
}

/** Sort entities the way Telegram returns them: by offset, longer (outer) first. */
export function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities
    .map((entity, index) => ({ entity, index }))
    .sort(
      (a, b) =>
        a.entity.offset - b.entity.offset || b.entity.length - a.entity.length || a.index - b.index,
    )
    .map(({ entity }) => entity);
}

/**
 * Normalise a parsed text as Telegram's server does before storing it:
 * clean characters, drop entities that cover only whitespace (and move
 * entity starts past leading whitespace), then trim spaces and newlines from
 * the end and, up to the first entity, from the start. A text of whitespace
 * only becomes empty.
 *
 * Limit: Telegram also detects URLs, mentions, hashtags and the like and adds
 * entities for them; the emulator does not.
 */
export function normalizeFormattedText(input: FormattedText): FormattedText {
  const { text, indexMap } = cleanCharacters(input.text);
  let entities: MessageEntity[] = [];
  for (const entity of input.entities) {
    let offset = indexMap[entity.offset] ?? text.length;
    const end = indexMap[entity.offset + entity.length] ?? text.length;
    if (!HIDDEN_DATA_TYPES.has(entity.type)) {
      while (offset < end && isBlank(text[offset])) offset++;
    }
    if (end > offset) entities.push({ ...entity, offset, length: end - offset });
  }

  let last = text.length - 1;
  while (last >= 0 && isBlank(text[last])) last--;
  if (last < 0) return { text: "", entities: [] };

  // Trim the end: entities are cut at the last visible character.
  const trimmedEnd = last + 1;
  entities = entities
    .filter((e) => e.offset < trimmedEnd)
    .map((e) => (e.offset + e.length > trimmedEnd ? { ...e, length: trimmedEnd - e.offset } : e));
  entities = sortEntities(entities);

  // Trim the start, but never past the first entity.
  const firstEntityStart = entities[0]?.offset ?? trimmedEnd;
  let start = 0;
  while (start < firstEntityStart && isBlank(text[start])) start++;

  return {
    text: text.slice(start, trimmedEnd),
    entities: entities.map((e) => ({ ...e, offset: e.offset - start })),
  };
}
