/**
 * The HTML formatter: the subset of HTML that Telegram's `parse_mode: "HTML"`
 * knows, rendered to text and entities by us, so a model's half-written or
 * slightly wrong HTML never makes a message fail to send.
 *
 * Tags: `b`/`strong`, `i`/`em`, `u`/`ins`, `s`/`strike`/`del`, `code`, `pre`
 * (with `<code class="language-…">` inside for the language), `a href`,
 * `blockquote` (`expandable` attribute for the folded kind), `tg-spoiler` and
 * `span class="tg-spoiler"`. Forgiving where Telegram is strict:
 * - a tag still open at the end covers the rest of the text;
 * - a closing tag closes the nearest open tag of its kind and the tags inside
 *   it; one with no open tag to close is dropped;
 * - other tags (`<br>`, `<div>`, `<p>`) and stray `<`/`&` are shown as text;
 * - a link to a URL Telegram would refuse shows its text only.
 * Whitespace is kept as written; trailing whitespace is removed.
 */
import type { FormattedText } from "../../types.js";
import { type EntityAttributes, type EntityHandle, FormattedTextBuilder } from "../builder.js";
import type { EntityType } from "../entity-rules.js";
import { describe } from "../format-checks.js";
import type { Formatter } from "../formatter.js";
import { wellFormedSource } from "../unicode.js";
import { isLinkableUrl } from "../urls.js";
import { type HtmlToken, tokenizeHtml } from "./tokens.js";

/** Tag name -> the kind it closes and opens, so `<b>…</strong>` pairs up. */
const KINDS: Record<string, string> = {
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
  code: "code",
  pre: "pre",
  a: "a",
  blockquote: "blockquote",
};

const TAG_NAMES: ReadonlySet<string> = new Set(Object.keys(KINDS));

interface OpenTag {
  kind: string;
  /** Undefined when the tag formats nothing (a link Telegram would refuse, `<code>` inside `<pre>`). */
  handle: EntityHandle | undefined;
  /** For `<pre>`: filled in when a `<code class="language-…">` follows. */
  attributes: EntityAttributes;
}

/** Renders Telegram-style HTML; see the module comment. */
export const htmlFormatter: Formatter = Object.freeze({
  name: "html" as const,
  render(source: string, final: boolean): FormattedText {
    if (typeof source !== "string") {
      throw new TypeError(`source must be a string, got ${describe(source)}`);
    }
    const text = wellFormedSource(source, final).replace(/\r\n?/g, "\n");
    const out = new FormattedTextBuilder();
    const open: OpenTag[] = [];
    for (const token of tokenizeHtml(text, final, TAG_NAMES)) {
      if (token.kind === "text") out.append(token.text);
      else if (token.kind === "open") openTag(token, open, out);
      else closeTag(token, open, out);
    }
    return out.build();
  },
});

function openTag(
  token: Extract<HtmlToken, { kind: "open" }>,
  open: OpenTag[],
  out: FormattedTextBuilder,
): void {
  const kind = KINDS[token.name];
  const isSpoilerSpan =
    token.name !== "span" || /(?:^|\s)tg-spoiler(?:\s|$)/.test(token.attributes.get("class") ?? "");
  if (kind === undefined || !isSpoilerSpan) {
    out.append(token.raw);
    return;
  }
  if (token.selfClosing) return;
  const attributes: EntityAttributes = {};
  const parent = open.at(-1);
  if (kind === "code" && parent?.kind === "pre") {
    const language = /(?:^|\s)language-([\w#+.-]{1,32})(?:\s|$)/.exec(
      token.attributes.get("class") ?? "",
    );
    if (language?.[1]) parent.attributes.language = language[1];
    open.push({ kind, handle: undefined, attributes });
    return;
  }
  let type: EntityType | undefined = kind as EntityType;
  if (kind === "a") {
    const url = token.attributes.get("href") ?? "";
    type = isLinkableUrl(url) ? "text_link" : undefined;
    attributes.url = url;
  } else if (kind === "blockquote" && token.attributes.has("expandable")) {
    type = "expandable_blockquote";
  }
  open.push({ kind, handle: type && out.open(type, attributes), attributes });
}

function closeTag(
  token: Extract<HtmlToken, { kind: "close" }>,
  open: OpenTag[],
  out: FormattedTextBuilder,
): void {
  const kind = KINDS[token.name];
  if (kind === undefined) {
    out.append(token.raw);
    return;
  }
  const index = open.findLastIndex((tag) => tag.kind === kind);
  if (index === -1) return;
  for (const tag of open.splice(index).reverse()) {
    if (tag.handle !== undefined) out.close(tag.handle);
  }
}
