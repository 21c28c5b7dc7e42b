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
 *   it (crossed tags such as `<b><i></b></i>` close at the first closer);
 * - other tags (`<br>`, `<div>`, `<p>`, `<span>` without the spoiler class),
 *   closing tags with nothing to close and stray `<`/`&` are shown as text;
 * - a link to a URL Telegram would refuse shows its text only.
 * Whitespace is kept as written; trailing whitespace is removed.
 */

import { describeValue as describe } from "../../describe.js";
import type { FormattedText } from "../../types.js";
import { type EntityAttributes, type EntityHandle, FormattedTextBuilder } from "../builder.js";
import type { EntityType } from "../entity-rules.js";
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

interface TagState {
  /** The tags open now, innermost last. */
  open: OpenTag[];
  /** Kinds closed early by an outer closing tag (`<b><i></b>`), whose own `</i>` is still to come. */
  closedEarly: Map<string, number>;
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
    const tags: TagState = { open: [], closedEarly: new Map() };
    for (const token of tokenizeHtml(text, final, TAG_NAMES)) {
      if (token.kind === "text") out.append(token.text);
      else if (token.kind === "open") openTag(token, tags.open, out);
      else closeTag(token, tags, out);
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
  tags: TagState,
  out: FormattedTextBuilder,
): void {
  const kind = KINDS[token.name];
  const index = tags.open.findLastIndex((tag) => tag.kind === kind);
  if (kind === undefined || index === -1) {
    const early = kind === undefined ? 0 : (tags.closedEarly.get(kind) ?? 0);
    if (kind !== undefined && early > 0) tags.closedEarly.set(kind, early - 1);
    else out.append(token.raw);
    return;
  }
  const closing = tags.open.splice(index).reverse();
  for (const tag of closing) {
    if (tag.handle !== undefined) out.close(tag.handle);
    if (tag !== closing.at(-1))
      tags.closedEarly.set(tag.kind, (tags.closedEarly.get(tag.kind) ?? 0) + 1);
  }
}
