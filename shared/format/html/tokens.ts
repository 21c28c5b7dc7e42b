/**
 * A small, forgiving tokenizer for the HTML that Telegram's `parse_mode:
 * "HTML"` accepts: tags with attributes, the character references `&lt;`
 * `&gt;` `&amp;` `&quot;` and numeric ones, and text. Anything else that
 * starts with `<` or `&` is text. While the stream runs (`final` false), a tag
 * or reference cut off at the end is left out, because the next delta will
 * complete it.
 */

/** One piece of the source. */
export type HtmlToken =
  | { kind: "text"; text: string }
  | {
      kind: "open";
      name: string;
      attributes: Map<string, string>;
      raw: string;
      selfClosing: boolean;
    }
  | { kind: "close"; name: string; raw: string };

const TAG =
  /<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/y;
const ATTRIBUTE = /([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
const REFERENCE = /&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));/y;
const PARTIAL_REFERENCE = /^&(?:#[xX]?[0-9A-Fa-f]*|[A-Za-z]*)$/;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/**
 * Split `source` into tokens; see the module comment. `tagNames` are the tags
 * the caller understands: only a cut-off tag that can still become one of
 * them is held back, so a stray `x<y` in prose is shown at once.
 */
export function tokenizeHtml(
  source: string,
  final: boolean,
  tagNames: ReadonlySet<string>,
): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  let text = "";
  let i = 0;
  while (i < source.length) {
    const special = source.slice(i).search(/[<&]/);
    if (special === -1) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, i + special);
    i += special;
    if (source.charAt(i) === "&") {
      REFERENCE.lastIndex = i;
      const reference = REFERENCE.exec(source);
      if (reference !== null) {
        text += decodeReference(reference);
        i = REFERENCE.lastIndex;
      } else if (!final && PARTIAL_REFERENCE.test(source.slice(i))) {
        break;
      } else {
        text += "&";
        i++;
      }
      continue;
    }
    TAG.lastIndex = i;
    const tag = TAG.exec(source);
    if (tag !== null) {
      if (text !== "") tokens.push({ kind: "text", text });
      text = "";
      const [raw, slash, name = "", attributes = "", selfClosing] = tag;
      tokens.push(
        slash
          ? { kind: "close", name: name.toLowerCase(), raw }
          : {
              kind: "open",
              name: name.toLowerCase(),
              attributes: parseAttributes(attributes),
              raw,
              selfClosing: selfClosing === "/",
            },
      );
      i = TAG.lastIndex;
    } else if (!final && mayBecomeTag(source.slice(i), tagNames)) {
      break;
    } else {
      text += "<";
      i++;
    }
  }
  if (text !== "") tokens.push({ kind: "text", text });
  return tokens;
}

/** Whether `rest`, the end of the source from a `<`, is the start of a known tag. */
function mayBecomeTag(rest: string, tagNames: ReadonlySet<string>): boolean {
  if (rest.includes(">")) return false;
  const [, name = "", attributes = ""] = /^<\/?([A-Za-z][A-Za-z0-9-]*)?([\s\S]*)$/.exec(rest) ?? [];
  const lowerName = name.toLowerCase();
  if (attributes === "") return [...tagNames].some((known) => known.startsWith(lowerName));
  return /^\s/.test(attributes) && tagNames.has(lowerName);
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(ATTRIBUTE)) {
    const [, name = "", double, single, bare] = match;
    const value = double ?? single ?? bare ?? "";
    attributes.set(name.toLowerCase(), decodeReferences(value));
  }
  return attributes;
}

/** Decode the supported character references inside an attribute value. */
function decodeReferences(value: string): string {
  return value.replace(
    /&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));/g,
    (...match: string[]) => decodeReference(match as unknown as RegExpExecArray),
  );
}

function decodeReference(match: RegExpExecArray): string {
  const [, decimal, hex, named] = match;
  if (named) return NAMED[named] ?? "";
  const code = decimal ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? "", 16);
  // Not a character, or half of a surrogate pair: the replacement character.
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\uFFFD";
  return String.fromCodePoint(code);
}
