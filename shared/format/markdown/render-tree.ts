/**
 * mdast tree -> visible text + entities.
 *
 * Layout, chosen for a chat bubble rather than a web page:
 * - blocks are separated by one blank line, list items by a line break;
 * - headings are bold lines;
 * - bullets are `•`, `◦`, `▪` by depth, ordered items `1.`, task items
 *   `☐`/`☑`; lines of a nested list or an item's later lines are indented by
 *   two spaces per level, up to {@link MAX_INDENTED_LEVELS} levels (deeper
 *   lists line up with the last indented one, so deep nesting cannot grow
 *   the text by the square of its depth); lists are always shown tight, so a
 *   list never re-flows when a blank line shows up between items mid-stream;
 * - code blocks and tables are `pre` blocks, block quotes `blockquote`
 *   entities, turned `expandable_blockquote` when longer than 200 UTF-16
 *   units or 4 lines; neither is indented inside a list (Telegram draws them
 *   as boxes of their own);
 * - a thematic break is a line `———`;
 * - links are `text_link` entities, except when their text is the URL itself
 *   (Telegram links a visible URL on its own) or the URL is not one Telegram
 *   accepts (relative links show their text only); images show their alt text
 *   linked to the image;
 * - HTML is shown as written.
 */
import type {
  Blockquote,
  Code,
  List,
  Nodes,
  PhrasingContent,
  Root,
  RootContent,
  Table,
} from "mdast";
import type { FormattedText } from "../../types.js";
import { FormattedTextBuilder } from "../builder.js";
import { isLinkableUrl } from "../urls.js";
import { findSpoilerMarkers } from "./spoilers.js";
import { layoutTable } from "./table.js";

/** Bullets for list depth 0, 1 and 2 or more. */
const BULLETS = ["•", "◦", "▪"] as const;
const THEMATIC_BREAK = "———";
/** Nested lists are indented two spaces per level up to this many levels. */
export const MAX_INDENTED_LEVELS = 4;
/** A block quote longer than this (in UTF-16 units) or {@link QUOTE_MAX_LINES} is folded. */
const QUOTE_MAX_LENGTH = 200;
const QUOTE_MAX_LINES = 4;

interface RenderContext {
  readonly out: FormattedTextBuilder;
  /** Link reference definitions: normalised identifier -> URL. */
  readonly definitions: ReadonlyMap<string, string>;
  /** How many lists contain the node being rendered. */
  listDepth: number;
}

/** Render a parsed Markdown document. Pure; never throws for a tree `parseMarkdown` made. */
export function renderMarkdownTree(root: Root): FormattedText {
  const context: RenderContext = {
    out: new FormattedTextBuilder(),
    definitions: collectDefinitions(root),
    listDepth: 0,
  };
  renderBlocks(root.children, context, 2);
  return context.out.build();
}

function collectDefinitions(root: Root): Map<string, string> {
  const definitions = new Map<string, string>();
  const visit = (node: Nodes) => {
    if (node.type === "definition" && !definitions.has(node.identifier)) {
      definitions.set(node.identifier, node.url);
    }
    if ("children" in node) for (const child of node.children) visit(child);
  };
  visit(root);
  return definitions;
}

function renderBlocks(blocks: readonly RootContent[], context: RenderContext, gap: 1 | 2): void {
  blocks.forEach((block, index) => {
    if (index > 0) context.out.separate(gap);
    renderBlock(block, context);
  });
}

function renderBlock(node: RootContent, context: RenderContext): void {
  const { out } = context;
  switch (node.type) {
    case "paragraph":
      renderInline(node.children, context);
      return;
    case "heading": {
      const bold = out.open("bold");
      renderInline(node.children, context);
      out.close(bold);
      return;
    }
    case "thematicBreak":
      out.append(THEMATIC_BREAK);
      return;
    case "blockquote":
      asBox(context, () => renderQuote(node, context));
      return;
    case "list":
      renderList(node, context);
      return;
    case "code":
      asBox(context, () => renderCode(node, context));
      return;
    case "table":
      asBox(context, () => renderTable(node, context));
      return;
    case "html":
      out.append(node.value);
      return;
    case "definition":
      return;
    default:
      // Node types the parser is not configured to produce (footnotes,
      // front matter): show whatever text they hold.
      if ("children" in node) renderBlocks(node.children as RootContent[], context, 2);
      else if ("value" in node) out.append(node.value);
  }
}

/** Quotes, code and tables are drawn as boxes: inside a list they are not indented. */
function asBox(context: RenderContext, render: () => void): void {
  if (context.listDepth > 0) context.out.unindented(render);
  else render();
}

function renderQuote(node: Blockquote, context: RenderContext): void {
  const { out } = context;
  const quote = out.open("blockquote");
  renderBlocks(node.children, context, 2);
  for (const piece of out.close(quote)) {
    const text = out.slice(piece.offset, piece.offset + piece.length);
    if (text.length > QUOTE_MAX_LENGTH || text.split("\n").length > QUOTE_MAX_LINES) {
      piece.type = "expandable_blockquote";
    }
  }
}

function renderCode(node: Code, context: RenderContext): void {
  const { out } = context;
  // Only a plausible language name: the info string is free text.
  const language = node.lang && /^[\w#+.-]{1,32}$/.test(node.lang) ? node.lang : undefined;
  const pre = out.open("pre", language ? { language } : {});
  out.appendVerbatim(node.value);
  out.close(pre);
}

function renderTable(node: Table, context: RenderContext): void {
  const rows = node.children.map((row) =>
    row.children.map((cell) => plainText(cell.children).replace(/\s+/g, " ").trim()),
  );
  const pre = context.out.open("pre");
  context.out.appendVerbatim(layoutTable(rows, node.align ?? []));
  context.out.close(pre);
}

function renderList(node: List, context: RenderContext): void {
  const { out } = context;
  const depth = context.listDepth;
  const start = node.start ?? 1;
  context.listDepth++;
  node.children.forEach((item, index) => {
    if (index > 0) out.separate(1);
    let marker: string = node.ordered
      ? `${start + index}.`
      : (BULLETS[Math.min(depth, BULLETS.length - 1)] ?? "•");
    if (typeof item.checked === "boolean") {
      const box = item.checked ? "☑" : "☐";
      marker = node.ordered ? `${marker} ${box}` : box;
    }
    out.appendMarker(marker);
    out.indented(depth < MAX_INDENTED_LEVELS ? "  " : "", () => {
      const first = item.children[0];
      // A code block, quote, table or nested list starts on the line below the marker.
      if (first !== undefined && first.type !== "paragraph" && first.type !== "heading") {
        out.separate(1);
      }
      renderBlocks(item.children, context, 1);
    });
  });
  context.listDepth--;
}

function renderInline(children: readonly PhrasingContent[], context: RenderContext): void {
  const { out } = context;
  const markers = findSpoilerMarkers(children);
  let spoiler: ReturnType<typeof out.open> | undefined;
  children.forEach((child, index) => {
    const own = markers.get(index);
    if (child.type !== "text" || own === undefined) {
      renderPhrasing(child, context);
      return;
    }
    let from = 0;
    for (const marker of own) {
      out.append(child.value.slice(from, marker.at));
      if (marker.role === "open") spoiler = out.open("spoiler");
      else if (spoiler !== undefined) out.close(spoiler);
      from = marker.at + 2;
    }
    out.append(child.value.slice(from));
  });
}

function renderPhrasing(node: PhrasingContent, context: RenderContext): void {
  const { out } = context;
  switch (node.type) {
    case "text":
    case "html":
      out.append(node.value);
      return;
    case "strong":
      wrap("bold", node.children, context);
      return;
    case "emphasis":
      wrap("italic", node.children, context);
      return;
    case "delete":
      wrap("strikethrough", node.children, context);
      return;
    case "inlineCode": {
      const code = out.open("code");
      out.append(node.value);
      out.close(code);
      return;
    }
    case "break":
      out.append("\n");
      return;
    case "link":
      renderLink(node.url, node.children, context);
      return;
    case "linkReference": {
      const url = context.definitions.get(node.identifier);
      if (url === undefined) renderInline(node.children, context);
      else renderLink(url, node.children, context);
      return;
    }
    case "image":
      renderImage(node.url, node.alt, context);
      return;
    case "imageReference":
      renderImage(context.definitions.get(node.identifier) ?? "", node.alt, context);
      return;
    case "footnoteReference":
      out.append(`[^${node.label ?? node.identifier}]`);
      return;
    default: {
      // Inline types the parser is not configured to produce: show their text.
      const other: { children?: PhrasingContent[]; value?: unknown } = node;
      if (other.children !== undefined) renderInline(other.children, context);
      else if (typeof other.value === "string") out.append(other.value);
    }
  }
}

function wrap(
  type: "bold" | "italic" | "strikethrough",
  children: readonly PhrasingContent[],
  context: RenderContext,
): void {
  const entity = context.out.open(type);
  renderInline(children, context);
  context.out.close(entity);
}

function renderLink(
  url: string,
  children: readonly PhrasingContent[],
  context: RenderContext,
): void {
  const { out } = context;
  const text = plainText(children);
  // `<https://…>` or `[https://…](https://…)`: Telegram links the visible URL itself.
  if (text === url || `mailto:${text}` === url) {
    renderInline(children, context);
    return;
  }
  const link = isLinkableUrl(url) ? out.open("text_link", { url }) : undefined;
  const before = out.length;
  renderInline(children, context);
  if (out.length === before) out.append(url);
  if (link !== undefined) out.close(link);
}

function renderImage(url: string, alt: string | null | undefined, context: RenderContext): void {
  const { out } = context;
  const label = alt?.trim() || url;
  if (label === "") return;
  const link = isLinkableUrl(url) ? out.open("text_link", { url }) : undefined;
  out.append(label);
  if (link !== undefined) out.close(link);
}

/** The visible text of inline content without any formatting (table cells, link checks). */
function plainText(nodes: readonly PhrasingContent[]): string {
  let text = "";
  for (const node of nodes) {
    if (node.type === "break") text += "\n";
    else if (node.type === "image" || node.type === "imageReference") text += node.alt ?? "";
    else if ("children" in node) text += plainText(node.children as PhrasingContent[]);
    else if ("value" in node) text += node.value;
  }
  return text;
}
