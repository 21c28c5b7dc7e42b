/**
 * `parse_mode: "HTML"` the way Telegram parses it: a small tag set, four named
 * character references plus numeric ones, strict nesting, and errors worded
 * like Telegram's (byte offsets are UTF-8 offsets into the source).
 */

import type { FormattedText, MessageEntity } from "../../shared/types.js";
import { EntityParseError } from "./entity-error.js";
import { hasLoneSurrogate, sortEntities, utf8ByteOffset } from "./text.js";

const SUPPORTED_TAGS = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "s",
  "strike",
  "del",
  "u",
  "ins",
  "tg-spoiler",
  "tg-emoji",
  "span",
  "pre",
  "code",
  "blockquote",
]);

const SIMPLE_TAGS: Record<string, MessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
};

const NAMED_REFERENCES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** Telegram's notion of an HTML space. */
function isSpace(char: string | undefined): boolean {
  return char === " " || char === "\t" || char === "\r" || char === "\n" || char === "\v";
}

/**
 * Decode the character reference starting at `source[pos] === "&"`. Returns
 * undefined when it is not one Telegram knows (the `&` then stays literal).
 * The closing `;` is optional, as in Telegram.
 */
function decodeReference(source: string, pos: number): { char: string; end: number } | undefined {
  let end = pos + 1;
  let codePoint: number;
  if (source[end] === "#") {
    end++;
    const hex = source[end] === "x" || source[end] === "X";
    if (hex) end++;
    const digitsStart = end;
    const digit = hex ? /[0-9a-fA-F]/ : /[0-9]/;
    while (end < source.length && digit.test(source[end] as string)) end++;
    if (end === digitsStart || end - pos >= 10) return undefined;
    codePoint = Number.parseInt(source.slice(digitsStart, end), hex ? 16 : 10);
    if (codePoint === 0 || codePoint >= 0x10ffff) return undefined;
  } else {
    while (end < source.length && /[a-zA-Z]/.test(source[end] as string)) end++;
    const named = NAMED_REFERENCES[source.slice(pos + 1, end)];
    if (named === undefined) return undefined;
    codePoint = named.codePointAt(0) as number;
  }
  if (source[end] === ";") end++;
  return { char: String.fromCodePoint(codePoint), end };
}

interface OpenTag {
  name: string;
  /** href, code language, span class, or custom emoji id. */
  argument: string;
  expandable: boolean;
  /** UTF-16 offset in the output where the tag's content starts. */
  offset: number;
}

/**
 * Parse Telegram HTML into plain text and entities (offsets in UTF-16).
 *
 * Supported: b, strong, i, em, u, ins, s, strike, del, tg-spoiler,
 * span class="tg-spoiler", a href, code, pre, pre > code class="language-x",
 * blockquote, blockquote expandable, tg-emoji emoji-id; `&lt; &gt; &amp; &quot;`
 * and numeric references. Entities inside `pre`/`code` are kept here; the
 * caller drops them as Telegram does.
 *
 * @throws EntityParseError with Telegram's wording, e.g.
 *   `Can't find end tag corresponding to start tag "b"`.
 */
export function parseHtml(source: string): FormattedText {
  const n = source.length;
  const byteAt = (index: number) => utf8ByteOffset(source, index);
  let out = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];

  let i = 0;
  while (i < n) {
    const c = source[i];
    if (c === "&") {
      const decoded = decodeReference(source, i);
      if (decoded) {
        out += decoded.char;
        i = decoded.end;
        continue;
      }
    }
    if (c !== "<") {
      out += c;
      i++;
      continue;
    }

    const begin = i;
    i++;
    if (source[i] !== "/") {
      // A start tag.
      while (i < n && !isSpace(source[i]) && source[i] !== ">") i++;
      if (i >= n) throw new EntityParseError(`Unclosed start tag at byte offset ${byteAt(begin)}`);
      const name = source.slice(begin + 1, i).toLowerCase();
      if (!SUPPORTED_TAGS.has(name)) {
        throw new EntityParseError(
          `Unsupported start tag "${name}" at byte offset ${byteAt(begin)}`,
        );
      }
      let argument = "";
      let expandable = false;
      while (source[i] !== ">") {
        while (i < n && isSpace(source[i])) i++;
        if (i >= n)
          throw new EntityParseError(`Unclosed start tag at byte offset ${byteAt(begin)}`);
        if (source[i] === ">") break;
        const attributeStart = i;
        while (i < n && !isSpace(source[i]) && source[i] !== "=" && source[i] !== ">") i++;
        const attribute = source.slice(attributeStart, i).toLowerCase();
        if (attribute === "") {
          throw new EntityParseError(
            `Empty attribute name in the tag "${name}" at byte offset ${byteAt(begin)}`,
          );
        }
        while (i < n && isSpace(source[i])) i++;
        if (source[i] !== "=") {
          // Telegram accepts exactly one value-less attribute: <blockquote expandable>.
          if (name === "blockquote" && attribute === "expandable") {
            expandable = true;
            continue;
          }
          throw new EntityParseError(
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${byteAt(begin)}`,
          );
        }
        i++;
        while (i < n && isSpace(source[i])) i++;
        if (i >= n) {
          throw new EntityParseError(
            `Unclosed start tag "${name}" at byte offset ${byteAt(begin)}`,
          );
        }
        let value = "";
        const quote = source[i];
        if (quote !== '"' && quote !== "'") {
          // An unquoted name token: letters, digits, periods and hyphens.
          const tokenStart = i;
          while (i < n && /[a-zA-Z0-9.-]/.test(source[i] as string)) i++;
          value = source.slice(tokenStart, i).toLowerCase();
          if (!isSpace(source[i]) && source[i] !== ">") {
            throw new EntityParseError(
              `Unexpected end of name token at byte offset ${byteAt(tokenStart)}`,
            );
          }
        } else {
          i++;
          while (i < n && source[i] !== quote) {
            const decoded = source[i] === "&" ? decodeReference(source, i) : undefined;
            if (decoded) {
              value += decoded.char;
              i = decoded.end;
            } else {
              value += source[i];
              i++;
            }
          }
          if (source[i] === quote) i++;
        }
        if (i >= n)
          throw new EntityParseError(`Unclosed start tag at byte offset ${byteAt(begin)}`);

        if (name === "a" && attribute === "href") argument = value;
        else if (name === "code" && attribute === "class" && value.startsWith("language-")) {
          argument = value.slice("language-".length);
        } else if (name === "span" && attribute === "class" && value.startsWith("tg-")) {
          argument = value.slice("tg-".length);
        } else if (name === "tg-emoji" && attribute === "emoji-id") argument = value;
      }
      i++; // past ">"
      if (name === "span" && argument !== "spoiler") {
        throw new EntityParseError(
          `Tag "span" must have class "tg-spoiler" at byte offset ${byteAt(begin)}`,
        );
      }
      open.push({ name, argument, expandable, offset: out.length });
      continue;
    }

    // An end tag.
    const top = open[open.length - 1];
    if (!top) throw new EntityParseError(`Unexpected end tag at byte offset ${byteAt(begin)}`);
    i++; // past "/"
    const nameStart = i;
    while (i < n && !isSpace(source[i]) && source[i] !== ">") i++;
    const endName = source.slice(nameStart, i).toLowerCase();
    while (i < n && isSpace(source[i])) i++;
    if (source[i] !== ">") {
      throw new EntityParseError(`Unclosed end tag at byte offset ${byteAt(begin)}`);
    }
    i++;
    if (endName !== "" && endName !== top.name) {
      throw new EntityParseError(
        `Unmatched end tag at byte offset ${byteAt(begin)}, expected "</${top.name}>", found "</${endName}>"`,
      );
    }
    open.pop();
    const length = out.length - top.offset;
    if (length > 0) closeTag(top, length, out, entities);
  }

  const unclosed = open[open.length - 1];
  if (unclosed) {
    throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  }
  if (hasLoneSurrogate(out)) {
    throw new EntityParseError(
      "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units",
    );
  }
  // A lone <code class="language-x"> is plain code: the language only counts inside <pre>.
  for (const entity of entities) if (entity.type === "code") delete entity.language;
  return { text: out, entities: sortEntities(entities) };
}

/** Turn a closed, non-empty tag into its entity (or merge it with its pre/code twin). */
function closeTag(tag: OpenTag, length: number, out: string, entities: MessageEntity[]): void {
  const offset = tag.offset;
  const simple = SIMPLE_TAGS[tag.name];
  if (simple) {
    entities.push({ type: simple, offset, length });
    return;
  }
  const last = entities[entities.length - 1];
  const sameRangeAsLast = last !== undefined && last.offset === offset && last.length === length;
  switch (tag.name) {
    case "a": {
      const url = tag.argument || out.slice(offset);
      if (url !== "") entities.push({ type: "text_link", offset, length, url });
      return;
    }
    case "tg-emoji": {
      if (!/^[1-9][0-9]*$/.test(tag.argument)) {
        throw new EntityParseError("Invalid custom emoji identifier specified");
      }
      entities.push({ type: "custom_emoji", offset, length, custom_emoji_id: tag.argument });
      return;
    }
    case "pre":
      // <pre><code class="language-x">…</code></pre>: the inner code closed first.
      if (sameRangeAsLast && last.type === "code" && last.language) {
        last.type = "pre";
      } else {
        entities.push({ type: "pre", offset, length });
      }
      return;
    case "code":
      if (sameRangeAsLast && last.type === "pre" && tag.argument) {
        last.language = tag.argument;
      } else if (tag.argument) {
        entities.push({ type: "code", offset, length, language: tag.argument });
      } else {
        entities.push({ type: "code", offset, length });
      }
      return;
    case "blockquote":
      entities.push({
        type: tag.expandable ? "expandable_blockquote" : "blockquote",
        offset,
        length,
      });
      return;
  }
}
