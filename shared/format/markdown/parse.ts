/**
 * The Markdown parser: CommonMark plus the GFM parts that LLM answers use
 * (tables, task lists, `~~strikethrough~~`), as an mdast tree with source
 * positions.
 *
 * Left out on purpose:
 * - literal autolinks (`https://…` without brackets): Telegram links bare URLs
 *   itself, and finding them is half the parse time;
 * - footnotes: rare in answers, and a definition at the end would change how
 *   earlier text renders while it streams;
 * - single-tilde strikethrough: "~5 min" or "~$10" is an approximation in chat
 *   answers, not a deletion.
 */
import type { Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";

const syntax = [
  gfm({ singleTilde: false }),
  {
    disable: {
      null: [
        "wwwAutolink",
        "protocolAutolink",
        "emailAutolink",
        "gfmFootnoteDefinition",
        "gfmFootnoteCall",
        "gfmPotentialFootnoteCall",
      ],
    },
  },
];

// The autolink-literal part of mdast-util-gfm is the one with a tree
// transform (it searches text for URLs after parsing); drop it with its syntax.
const treeBuilders = gfmFromMarkdown().filter((extension) => !("transforms" in extension));

/** Parse Markdown into an mdast tree. Never throws for a string. */
export function parseMarkdown(source: string): Root {
  return fromMarkdown(source, { extensions: syntax, mdastExtensions: treeBuilders });
}

/** The inline constructs, whose parsing is what can be super-linear. */
const inlineConstructs = [
  "attention",
  "autolink",
  "characterEscape",
  "characterReference",
  "codeText",
  "hardBreakEscape",
  "htmlText",
  "labelEnd",
  "labelStartImage",
  "labelStartLink",
  "strikethrough",
];

const blockSyntax = [...syntax, { disable: { null: inlineConstructs } }];

/**
 * Parse only the blocks of `source`: paragraphs, headings and table cells
 * hold their source as one text node, inline syntax unparsed. Linear in the
 * text; used to find which blocks hold a delimiter flood.
 */
export function parseMarkdownBlocks(source: string): Root {
  return fromMarkdown(source, { extensions: blockSyntax, mdastExtensions: treeBuilders });
}
