/** fast-check generators for text that exercises the formatters' edge cases. */
import fc from "fast-check";

/** Markdown building blocks, including half-finished and conflicting syntax. */
const MARKDOWN_PIECES = [
  "**",
  "*",
  "_",
  "__",
  "`",
  "``",
  "```",
  "```py\n",
  "~~",
  "~",
  "||",
  "|",
  "[",
  "]",
  "(",
  ")",
  "![",
  "](",
  "](https://x.dev/a_(b)",
  "<https://y.dev>",
  "<b>",
  "#",
  "## ",
  "- ",
  "* ",
  "1. ",
  "2) ",
  "> ",
  "- [ ] ",
  "- [x] ",
  "---",
  "===",
  "    ",
  "| a | b |\n",
  "|---|:-:|\n",
  "\n",
  "\n\n",
  " ",
  "  \n",
  "\\",
  "&amp;",
  "&am",
  "[r]: https://r.dev\n",
  "word",
  "Wort",
  "слово",
  "日本語",
  "👍🏽",
  "👨‍👩‍👧",
  "🇯🇵",
  "\uD83D",
  "\uDC4D",
  "\r\n",
];

/** Strings assembled from Markdown pieces: dense with syntax, often unbalanced. */
export const markdownish = fc
  .array(fc.constantFrom(...MARKDOWN_PIECES), { maxLength: 30 })
  .map((pieces) => pieces.join(""));

/** Whole lines of lists and the blocks around them: what the block-run splitter must get right. */
const LIST_LINES = [
  "- item\n",
  "* star\n",
  "+ plus\n",
  "- [ ] task\n",
  "-\n",
  "1. one\n",
  "2. two\n",
  "3. three\n",
  "1) paren\n",
  "2) paren\n",
  "10. ten\n",
  "  - nested\n",
  "    - deeper\n",
  "   1. nested\n",
  " - indented item\n",
  "  continued\n",
  "     indented code?\n",
  "lazy text\n",
  "\n",
  "\n\n",
  "# heading\n",
  "> quote\n",
  "```\n",
  "~~~\n",
  "---\n",
  "* * *\n",
  "para **bold**\n",
  "\tTabbed\n",
  "[r]: https://r.dev\n",
  "[r]\n",
  "<!-- c -->\n",
  "| a |\n|---|\n",
];

/** Documents built from whole lines of lists, paragraphs, code and quotes. */
export const listish = fc
  .array(fc.constantFrom(...LIST_LINES), { maxLength: 25 })
  .map((lines) => lines.join(""));

const HTML_PIECES = [
  "<b>",
  "</b>",
  "<strong>",
  "<i>",
  "</i>",
  "<u>",
  "</u>",
  "<s>",
  "</del>",
  "<code>",
  "</code>",
  "<pre>",
  '<pre><code class="language-ts">',
  "</pre>",
  '<a href="https://x.dev/?a=1&amp;b=2">',
  '<a href="page.html">',
  "</a>",
  "<blockquote>",
  "<blockquote expandable>",
  "</blockquote>",
  "<tg-spoiler>",
  "</tg-spoiler>",
  '<span class="tg-spoiler">',
  "</span>",
  "<br>",
  "<div>",
  "<",
  ">",
  "&",
  "&lt;",
  "&#128077;",
  "&#xD83D;",
  "&am",
  "<a hre",
  "text",
  " ",
  "\n",
  "👍🏽",
  "日本",
];

/** Strings assembled from Telegram-HTML pieces, often unbalanced or cut off. */
export const htmlish = fc
  .array(fc.constantFrom(...HTML_PIECES), { maxLength: 30 })
  .map((pieces) => pieces.join(""));

/** Any string: raw UTF-16 (lone surrogates included), graphemes, or the syntax-dense kinds. */
export const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  markdownish,
  htmlish,
);
