/**
 * `parse_mode: "MarkdownV2"` and legacy `"Markdown"` the way Telegram parses
 * them, with errors worded like Telegram's (byte offsets are UTF-8 offsets
 * into the source).
 */

import type { FormattedText, MessageEntity } from "../../shared/types.js";
import { EntityParseError } from "./entity-error.js";
import { sortEntities, utf8ByteOffset } from "./text.js";

/** Telegram's entity names as they appear in its error messages. */
type MarkdownEntityKind =
  | "Bold"
  | "Italic"
  | "Underline"
  | "Strikethrough"
  | "Spoiler"
  | "Code"
  | "Pre"
  | "PreCode"
  | "TextUrl"
  | "CustomEmoji"
  | "BlockQuote";

const SIMPLE_KINDS: Partial<Record<MarkdownEntityKind, MessageEntity["type"]>> = {
  Bold: "bold",
  Italic: "italic",
  Underline: "underline",
  Strikethrough: "strikethrough",
  Spoiler: "spoiler",
  Code: "code",
  Pre: "pre",
  BlockQuote: "blockquote",
};

const RESERVED = "_*[]()~`>#+-=|{}.!\n";

interface OpenEntity {
  kind: MarkdownEntityKind;
  /** Language of a PreCode. */
  argument: string;
  /** UTF-16 offset in the output where the entity starts. */
  offset: number;
  /** UTF-16 index in the source of the markup that opened it (reported in bytes). */
  sourceIndex: number;
}

/** Telegram's notion of a space (the end of the string counts as one). */
function isSpace(char: string | undefined): boolean {
  return (
    char === undefined ||
    char === " " ||
    char === "\t" ||
    char === "\r" ||
    char === "\n" ||
    char === "\v"
  );
}

/** True if `char` may follow a backslash as an escaped character (ASCII 1-126). */
function isEscapable(char: string | undefined): boolean {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  return code > 0 && code <= 126;
}

/** A URL as Telegram would accept it for a text link (a loose check: a scheme, or a dotted host). */
function looksLikeUrl(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\S+$/i.test(url) || /^[^\s./]+(\.[^\s./]+)+(\/\S*)?$/.test(url);
}

/**
 * Parse the optional language after an opening ``` and skip one newline.
 * Returns the language ("" if none) and the index where the content starts.
 */
function readPreLanguage(
  source: string,
  start: number,
): { language: string; contentStart: number } {
  let end = start;
  while (!isSpace(source[end]) && source[end] !== "`") end++;
  let language = "";
  let i = start;
  if (end !== start && end < source.length && source[end] !== "`") {
    language = source.slice(start, end);
    i = end;
  }
  const here = source[i];
  if (here === "\n" || here === "\r") {
    const next = source[i + 1];
    i += (next === "\n" || next === "\r") && next !== here ? 2 : 1;
  }
  return { language, contentStart: i };
}

/**
 * Parse MarkdownV2 into plain text and entities (offsets in UTF-16).
 *
 * Supported: *bold* _italic_ __underline__ ~strikethrough~ ||spoiler||
 * `code` ```language\npre``` [text](url) ![emoji](tg://emoji?id=N) and `>`
 * blockquotes at line starts. Any of `_*[]()~`>#+-=|{}.!` outside markup must
 * be escaped with `\`; inside code and pre only `` ` `` and `\` must be.
 * Limit: the expandable blockquote syntax (`**>` … `||`) is not supported.
 *
 * @throws EntityParseError with Telegram's wording, e.g.
 *   `Character '.' is reserved and must be escaped with the preceding '\'`.
 */
export function parseMarkdownV2(source: string): FormattedText {
  const n = source.length;
  const byteAt = (index: number) => utf8ByteOffset(source, index);
  const reservedError = (char: string) =>
    new EntityParseError(
      `Character '${char}' is reserved and must be escaped with the preceding '\\'`,
    );
  let out = "";
  const entities: MessageEntity[] = [];
  const open: OpenEntity[] = [];
  let inBlockquote = false;

  for (let i = 0; i < n; i++) {
    const c = source[i] as string;
    if (c === "\\" && isEscapable(source[i + 1])) {
      out += source[i + 1];
      i++;
      continue;
    }
    const top = open[open.length - 1];
    const inCode = top?.kind === "Code" || top?.kind === "Pre" || top?.kind === "PreCode";
    const reserved = inCode ? "`" : RESERVED;
    if (!reserved.includes(c)) {
      out += c;
      continue;
    }

    let closesTop = false;
    if (top) {
      if (inBlockquote && c === "\n" && source[i + 1] !== ">") {
        closesTop = true;
      } else {
        const next = source[i + 1];
        switch (top.kind) {
          case "Bold":
            closesTop = c === "*";
            break;
          case "Italic":
            closesTop = c === "_" && next !== "_";
            break;
          case "Underline":
            closesTop = c === "_" && next === "_";
            break;
          case "Strikethrough":
            closesTop = c === "~";
            break;
          case "Spoiler":
            closesTop = c === "|" && next === "|";
            break;
          case "Code":
            closesTop = c === "`";
            break;
          case "Pre":
          case "PreCode":
            closesTop = c === "`" && next === "`" && source[i + 2] === "`";
            break;
          case "TextUrl":
          case "CustomEmoji":
            closesTop = c === "]";
            break;
          case "BlockQuote":
            closesTop = false;
            break;
        }
      }
    }

    if (!closesTop) {
      // The start of an entity (or a newline, which may start a blockquote).
      const sourceIndex = i;
      let kind: MarkdownEntityKind | undefined;
      let argument = "";
      switch (c) {
        case "_":
          if (source[i + 1] === "_") {
            kind = "Underline";
            i++;
          } else {
            kind = "Italic";
          }
          break;
        case "*":
          kind = "Bold";
          break;
        case "~":
          kind = "Strikethrough";
          break;
        case "|":
          if (source[i + 1] !== "|") throw reservedError(c);
          kind = "Spoiler";
          i++;
          break;
        case "[":
          kind = "TextUrl";
          break;
        case "`":
          if (source[i + 1] === "`" && source[i + 2] === "`") {
            const { language, contentStart } = readPreLanguage(source, i + 3);
            kind = language ? "PreCode" : "Pre";
            argument = language;
            i = contentStart - 1;
          } else {
            kind = "Code";
          }
          break;
        case "!":
          if (source[i + 1] !== "[") throw reservedError(c);
          kind = "CustomEmoji";
          i++;
          break;
        case "\n":
          out += "\n";
          if (source[i + 1] === ">") {
            i++;
            if (!inBlockquote) {
              kind = "BlockQuote";
              inBlockquote = true;
            }
          }
          break;
        case ">":
          if (i !== 0) throw reservedError(c);
          kind = "BlockQuote";
          inBlockquote = true;
          break;
        default:
          throw reservedError(c);
      }
      if (kind) open.push({ kind, argument, offset: out.length, sourceIndex });
      continue;
    }

    // The end of the innermost entity.
    const entity = open[open.length - 1] as OpenEntity;
    if (c === "\n" && entity.kind !== "BlockQuote") {
      throw new EntityParseError(
        `Can't find end of ${entity.kind} entity at byte offset ${byteAt(entity.sourceIndex)}`,
      );
    }
    let skip = out.length === entity.offset;
    let url: string | undefined;
    switch (entity.kind) {
      case "Underline":
      case "Spoiler":
        i++;
        break;
      case "Pre":
      case "PreCode":
        i += 2;
        break;
      case "TextUrl":
      case "CustomEmoji": {
        if (source[i + 1] !== "(") {
          if (entity.kind === "CustomEmoji") {
            throw new EntityParseError("Custom emoji entity must contain a tg://emoji URL");
          }
          url = out.slice(entity.offset);
        } else {
          i += 2;
          const urlStart = i;
          url = "";
          while (i < n && source[i] !== ")") {
            if (source[i] === "\\" && isEscapable(source[i + 1])) {
              url += source[i + 1];
              i += 2;
              continue;
            }
            url += source[i];
            i++;
          }
          if (source[i] !== ")") {
            const what = entity.kind === "CustomEmoji" ? "a custom emoji URL" : "a URL";
            throw new EntityParseError(
              `Can't find end of ${what} at byte offset ${byteAt(urlStart)}`,
            );
          }
        }
        if (entity.kind === "CustomEmoji" && !/^tg:\/\/emoji\?id=[1-9][0-9]*$/.test(url)) {
          throw new EntityParseError("Invalid custom emoji identifier specified");
        }
        if (entity.kind === "TextUrl" && !looksLikeUrl(url)) skip = true;
        break;
      }
      case "BlockQuote":
        inBlockquote = false;
        out += c;
        break;
      default:
        break;
    }
    open.pop();
    if (skip) continue;
    const offset = entity.offset;
    const length = out.length - offset;
    if (entity.kind === "TextUrl") {
      entities.push({ type: "text_link", offset, length, url: url as string });
    } else if (entity.kind === "CustomEmoji") {
      const id = (url as string).slice("tg://emoji?id=".length);
      entities.push({ type: "custom_emoji", offset, length, custom_emoji_id: id });
    } else if (entity.kind === "PreCode") {
      entities.push({ type: "pre", offset, length, language: entity.argument });
    } else {
      entities.push({ type: SIMPLE_KINDS[entity.kind] as MessageEntity["type"], offset, length });
    }
  }

  const last = open[open.length - 1];
  if (inBlockquote && last?.kind === "BlockQuote") {
    open.pop();
    const length = out.length - last.offset;
    if (length > 0) entities.push({ type: "blockquote", offset: last.offset, length });
  }
  const unclosed = open[open.length - 1];
  if (unclosed) {
    throw new EntityParseError(
      `Can't find end of ${unclosed.kind} entity at byte offset ${byteAt(unclosed.sourceIndex)}`,
    );
  }
  return { text: out, entities: sortEntities(entities) };
}

/**
 * Parse legacy Markdown (`parse_mode: "Markdown"`): *bold* _italic_ `code`
 * ```language\npre``` [text](url), no nesting; `\` escapes only `_*`[`.
 *
 * @throws EntityParseError `Can't find end of the entity starting at byte offset N`.
 */
export function parseMarkdown(source: string): FormattedText {
  const n = source.length;
  let out = "";
  const entities: MessageEntity[] = [];
  for (let i = 0; i < n; i++) {
    const c = source[i] as string;
    if (c === "\\" && "_*`[".includes(source[i + 1] ?? " ")) {
      out += source[i + 1];
      i++;
      continue;
    }
    if (!"_*`[".includes(c)) {
      out += c;
      continue;
    }
    const begin = i;
    const endChar = c === "[" ? "]" : c;
    let isPre = false;
    let language = "";
    i++;
    if (c === "`" && source[i] === "`" && source[i + 1] === "`") {
      isPre = true;
      const pre = readPreLanguage(source, i + 2);
      language = pre.language;
      i = pre.contentStart;
    }
    const offset = out.length;
    while (
      i < n &&
      (source[i] !== endChar || (isPre && !(source[i + 1] === "`" && source[i + 2] === "`")))
    ) {
      out += source[i];
      i++;
    }
    if (i >= n) {
      throw new EntityParseError(
        `Can't find end of the entity starting at byte offset ${utf8ByteOffset(source, begin)}`,
      );
    }
    const length = out.length - offset;
    if (length > 0) {
      if (c === "_") entities.push({ type: "italic", offset, length });
      else if (c === "*") entities.push({ type: "bold", offset, length });
      else if (c === "`") {
        if (!isPre) entities.push({ type: "code", offset, length });
        else if (language) entities.push({ type: "pre", offset, length, language });
        else entities.push({ type: "pre", offset, length });
      } else {
        let url = out.slice(offset);
        if (source[i + 1] === "(") {
          i += 2;
          url = "";
          while (i < n && source[i] !== ")") {
            url += source[i];
            i++;
          }
        }
        if (looksLikeUrl(url)) entities.push({ type: "text_link", offset, length, url });
      }
    }
    if (isPre) i += 2;
  }
  return { text: out, entities: sortEntities(entities) };
}
