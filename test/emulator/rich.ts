/**
 * Rich messages (`sendRichMessage`, `sendRichMessageDraft`, `editMessageText`
 * with `rich_message`): the emulator checks their shape and length and keeps
 * their plain text for the timeline. It does not render them: Markdown source
 * is kept as written, HTML is stripped of tags.
 */

import { badRequest, TelegramErrors } from "./errors.js";
import { hasLoneSurrogate } from "./text.js";

/** Reported length limit of a rich message, in UTF-16 code units. */
export const RICH_MESSAGE_MAX_LENGTH = 32_768;

const NAMED_REFERENCES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** Text of an HTML fragment: tags removed, the four named and numeric references decoded. */
function stripHtml(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith("#")) {
        const hex = name[1] === "x" || name[1] === "X";
        const code = Number.parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
        return code > 0 && code < 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return NAMED_REFERENCES[name.toLowerCase()] ?? whole;
    });
}

/** Plain text of rich blocks or rich text: strings concatenated, blocks one per line. */
function plainTextOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(plainTextOf).join("");
  if (typeof value !== "object" || value === null) return "";
  const node = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ["text", "title", "caption"]) {
    if (node[key] !== undefined) parts.push(plainTextOf(node[key]));
  }
  for (const key of ["blocks", "items", "cells", "rows"]) {
    const children = node[key];
    if (Array.isArray(children)) parts.push(children.map(plainTextOf).join("\n"));
  }
  return parts.join("\n");
}

/** True if any string anywhere in `value` holds a lone surrogate. */
function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === "string") return hasLoneSurrogate(value);
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(holdsLoneSurrogate);
}

/** A checked rich message: the object as sent and its plain text. */
export interface RichContent {
  rich: Record<string, unknown>;
  text: string;
}

/**
 * Check a `rich_message` parameter and extract its plain text.
 * @param options.allowEmpty drafts may be empty (a "Thinking…" placeholder).
 * @throws ApiError 400 when it is missing, empty (unless allowed), not valid
 *   UTF-16 or over {@link RICH_MESSAGE_MAX_LENGTH} (`message is too long`),
 *   or when it has none or more than one of `markdown`, `html`, `blocks`.
 */
export function readRichMessage(
  rich: Record<string, unknown> | undefined,
  options: { allowEmpty?: boolean } = {},
): RichContent {
  if (!rich) throw badRequest(TelegramErrors.richEmpty);
  const given = ["markdown", "html", "blocks"].filter((key) => rich[key] !== undefined);
  if (given.length !== 1) {
    throw badRequest("rich message must have exactly one of markdown, html or blocks");
  }
  let text: string;
  if (typeof rich.markdown === "string") text = rich.markdown;
  else if (typeof rich.html === "string") text = stripHtml(rich.html);
  else if (Array.isArray(rich.blocks)) text = rich.blocks.map(plainTextOf).join("\n");
  else throw badRequest("rich message markdown and html must be strings, blocks an array");

  if (holdsLoneSurrogate(rich)) throw badRequest(TelegramErrors.notUtf8);
  text = text.trim();
  if (text === "" && !options.allowEmpty && !Array.isArray(rich.blocks))
    throw badRequest(TelegramErrors.richEmpty);
  if (text.length > RICH_MESSAGE_MAX_LENGTH) throw badRequest(TelegramErrors.sendTooLong);
  return { rich, text };
}
