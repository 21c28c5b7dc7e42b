/**
 * A hand-writable notation for expected formatted text, so expectations in
 * tests read like the message a user sees instead of lists of offsets:
 *
 *     ⟦b⟧bold ⟦i⟧and italic⟦/⟧⟦/⟧ then ⟦code⟧x⟦/⟧
 *
 * `⟦type⟧` opens an entity, `⟦/⟧` closes the latest one. Types: b, i, u, s,
 * spoiler, code, pre, `pre:lang`, `a:URL`, quote, xquote (expandable). Offsets
 * come out in UTF-16 units, because that is what JavaScript string lengths
 * count. This is test-side code, independent of the code under test.
 */
import type { FormattedText, MessageEntity } from "../../shared/types.js";

const TYPES: Record<string, MessageEntity["type"]> = {
  b: "bold",
  i: "italic",
  u: "underline",
  s: "strikethrough",
  spoiler: "spoiler",
  code: "code",
  pre: "pre",
  a: "text_link",
  quote: "blockquote",
  xquote: "expandable_blockquote",
};

/** Turn the notation into a FormattedText with entities sorted outer first. */
export function marked(notation: string): FormattedText {
  let text = "";
  const entities: Array<MessageEntity & { order: number }> = [];
  const open: Array<MessageEntity & { order: number }> = [];
  const tokens = notation.split(/(⟦[^⟧]*⟧)/);
  for (const token of tokens) {
    const tag = /^⟦([^⟧]*)⟧$/.exec(token);
    if (tag === null) {
      text += token;
      continue;
    }
    const spec = tag[1] ?? "";
    if (spec === "/") {
      const entity = open.pop();
      if (entity === undefined) throw new Error(`unbalanced ⟦/⟧ in ${notation}`);
      entity.length = text.length - entity.offset;
      entities.push(entity);
      continue;
    }
    const colon = spec.indexOf(":");
    const name = colon === -1 ? spec : spec.slice(0, colon);
    const argument = colon === -1 ? undefined : spec.slice(colon + 1);
    const type = TYPES[name];
    if (type === undefined) throw new Error(`unknown entity ${name} in notation`);
    const entity: MessageEntity & { order: number } = {
      type,
      offset: text.length,
      length: 0,
      order: entities.length + open.length,
    };
    if (type === "text_link") entity.url = argument;
    if (type === "pre" && argument) entity.language = argument;
    open.push(entity);
  }
  if (open.length > 0) throw new Error(`unclosed entity in ${notation}`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length || a.order - b.order);
  return { text, entities: entities.map(({ order: _order, ...entity }) => entity) };
}

/** Entities in a canonical order (offset, longer first, then type) for comparisons. */
export function canonical(ft: FormattedText): FormattedText {
  const entities = [...ft.entities].sort(
    (a, b) => a.offset - b.offset || b.length - a.length || a.type.localeCompare(b.type),
  );
  return { text: ft.text, entities };
}
