import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatText, validateEntities } from "./entities.js";
import { EntityParseError } from "./entity-error.js";
import { parseHtml } from "./html.js";
import { parseMarkdown, parseMarkdownV2 } from "./markdown.js";
import { normalizeFormattedText } from "./text.js";

/** Any text of valid code points (astral ones included, so UTF-16 lengths differ from code points). */
const anyText = fc.string({ unit: "binary", maxLength: 60 });

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, (c) => `\\${c}`);
}

function parseError(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof EntityParseError) return error.message;
    throw error;
  }
  throw new Error("expected an EntityParseError");
}

describe("HTML parse mode", () => {
  it("turns every supported tag into its entity, with UTF-16 offsets", () => {
    const { text, entities } = parseHtml(
      '😀 <b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del><span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler><a href="https://example.com">l</a><code>c</code>',
    );
    expect(text).toBe("😀 bsieunskdpqlc");
    expect(entities).toEqual([
      { type: "bold", offset: 3, length: 1 },
      { type: "bold", offset: 4, length: 1 },
      { type: "italic", offset: 5, length: 1 },
      { type: "italic", offset: 6, length: 1 },
      { type: "underline", offset: 7, length: 1 },
      { type: "underline", offset: 8, length: 1 },
      { type: "strikethrough", offset: 9, length: 1 },
      { type: "strikethrough", offset: 10, length: 1 },
      { type: "strikethrough", offset: 11, length: 1 },
      { type: "spoiler", offset: 12, length: 1 },
      { type: "spoiler", offset: 13, length: 1 },
      { type: "text_link", offset: 14, length: 1, url: "https://example.com" },
      { type: "code", offset: 15, length: 1 },
    ]);
  });

  it("merges <pre><code class> into one pre entity with a language", () => {
    expect(parseHtml('<pre><code class="language-ts">let x;</code></pre>')).toEqual({
      text: "let x;",
      entities: [{ type: "pre", offset: 0, length: 6, language: "ts" }],
    });
  });

  it("parses blockquote and expandable blockquote", () => {
    expect(
      parseHtml("<blockquote>a</blockquote><blockquote expandable>b</blockquote>").entities,
    ).toEqual([
      { type: "blockquote", offset: 0, length: 1 },
      { type: "expandable_blockquote", offset: 1, length: 1 },
    ]);
  });

  it("decodes the four named references and numeric ones, and keeps unknown ones literal", () => {
    expect(parseHtml("&lt;&gt;&amp;&quot;&#65;&#x1F600;&nbsp;").text).toBe('<>&"A😀&nbsp;');
  });

  it("answers Telegram's errors for broken markup", () => {
    expect(parseError(() => parseHtml("<b>bold"))).toBe(
      `Can't find end tag corresponding to start tag "b"`,
    );
    expect(parseError(() => parseHtml("x <foo>y</foo>"))).toBe(
      `Unsupported start tag "foo" at byte offset 2`,
    );
    expect(parseError(() => parseHtml("1 < 2"))).toBe(`Unsupported start tag "" at byte offset 2`);
    expect(parseError(() => parseHtml("a</b>"))).toBe("Unexpected end tag at byte offset 1");
    expect(parseError(() => parseHtml("<b><i>x</b></i>"))).toBe(
      `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`,
    );
    expect(parseError(() => parseHtml("😀<b"))).toBe("Unclosed start tag at byte offset 4");
    expect(parseError(() => parseHtml('<span class="x">y</span>'))).toBe(
      `Tag "span" must have class "tg-spoiler" at byte offset 0`,
    );
  });

  it("gives back any escaped text unchanged, with no entities", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(parseHtml(escapeHtml(text))).toEqual({ text, entities: [] });
      }),
    );
  });

  it("makes <b> around any non-empty text one bold entity spanning its UTF-16 length", () => {
    fc.assert(
      fc.property(
        anyText,
        anyText.filter((t) => t.length > 0),
        (before, inside) => {
          const parsed = parseHtml(`${escapeHtml(before)}<b>${escapeHtml(inside)}</b>`);
          expect(parsed.text).toBe(before + inside);
          expect(parsed.entities).toEqual([
            { type: "bold", offset: before.length, length: inside.length },
          ]);
        },
      ),
    );
  });
});

describe("MarkdownV2 parse mode", () => {
  it("parses every entity kind", () => {
    const { text, entities } = parseMarkdownV2(
      "*b* _i_ __u__ ~s~ ||p|| `c` [l](https://example.com) ![👍](tg://emoji?id=5368324170671202286)\n```py\nx = 1```",
    );
    expect(text).toBe("b i u s p c l 👍\nx = 1");
    expect(entities).toEqual([
      { type: "bold", offset: 0, length: 1 },
      { type: "italic", offset: 2, length: 1 },
      { type: "underline", offset: 4, length: 1 },
      { type: "strikethrough", offset: 6, length: 1 },
      { type: "spoiler", offset: 8, length: 1 },
      { type: "code", offset: 10, length: 1 },
      { type: "text_link", offset: 12, length: 1, url: "https://example.com" },
      { type: "custom_emoji", offset: 14, length: 2, custom_emoji_id: "5368324170671202286" },
      { type: "pre", offset: 17, length: 5, language: "py" },
    ]);
  });

  it("nests entities and parses blockquotes at line starts", () => {
    expect(parseMarkdownV2("*bold _both_*")).toEqual({
      text: "bold both",
      entities: [
        { type: "bold", offset: 0, length: 9 },
        { type: "italic", offset: 5, length: 4 },
      ],
    });
    expect(parseMarkdownV2(">quoted\n>more\nafter")).toEqual({
      text: "quoted\nmore\nafter",
      entities: [{ type: "blockquote", offset: 0, length: 12 }],
    });
  });

  it("treats everything but ` and \\ as literal inside code", () => {
    expect(parseMarkdownV2("`a.b*c_`")).toEqual({
      text: "a.b*c_",
      entities: [{ type: "code", offset: 0, length: 6 }],
    });
  });

  it("answers Telegram's errors", () => {
    expect(parseError(() => parseMarkdownV2("Hello."))).toBe(
      "Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(parseError(() => parseMarkdownV2("a - b"))).toBe(
      "Character '-' is reserved and must be escaped with the preceding '\\'",
    );
    expect(parseError(() => parseMarkdownV2("😀 *bold"))).toBe(
      "Can't find end of Bold entity at byte offset 5",
    );
    expect(parseError(() => parseMarkdownV2("```\ncode"))).toBe(
      "Can't find end of Pre entity at byte offset 0",
    );
    expect(parseError(() => parseMarkdownV2("[a](http://x"))).toBe(
      "Can't find end of a URL at byte offset 4",
    );
  });

  it("gives back any escaped text unchanged, with no entities", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(parseMarkdownV2(escapeMarkdownV2(text))).toEqual({ text, entities: [] });
      }),
    );
  });

  it("makes *…* around any escaped non-empty text one bold entity spanning its UTF-16 length", () => {
    fc.assert(
      fc.property(
        anyText.filter((t) => t.length > 0),
        (inside) => {
          expect(parseMarkdownV2(`*${escapeMarkdownV2(inside)}*`)).toEqual({
            text: inside,
            entities: [{ type: "bold", offset: 0, length: inside.length }],
          });
        },
      ),
    );
  });
});

describe("legacy Markdown parse mode", () => {
  it("parses bold, italic, code, pre and links without escaping punctuation", () => {
    expect(parseMarkdown("*b* _i_ `c` [l](https://example.com). ```js\nx```")).toEqual({
      text: "b i c l. x",
      entities: [
        { type: "bold", offset: 0, length: 1 },
        { type: "italic", offset: 2, length: 1 },
        { type: "code", offset: 4, length: 1 },
        { type: "text_link", offset: 6, length: 1, url: "https://example.com" },
        { type: "pre", offset: 9, length: 1, language: "js" },
      ],
    });
  });

  it("reports an unclosed entity by byte offset", () => {
    expect(parseError(() => parseMarkdown("ok *bold"))).toBe(
      "Can't find end of the entity starting at byte offset 3",
    );
  });
});

describe("explicit entities", () => {
  it("accepts entities within the text in UTF-16 units and returns them sorted", () => {
    const text = "😀 bold code";
    expect(
      validateEntities(text, [
        { type: "code", offset: 8, length: 4 },
        { type: "bold", offset: 3, length: 4 },
      ]),
    ).toEqual([
      { type: "bold", offset: 3, length: 4 },
      { type: "code", offset: 8, length: 4 },
    ]);
  });

  it.each([
    [[{ type: "bold", offset: -1, length: 1 }], "Receive an entity with incorrect offset -1"],
    [[{ type: "bold", offset: 0, length: 0 }], "Receive an entity with incorrect length 0"],
    [
      [{ type: "bold", offset: 5, length: 1 }],
      "Entity begins after the end of the text at UTF-16 offset 5",
    ],
    [
      [{ type: "bold", offset: 2, length: 4 }],
      "Entity beginning at UTF-16 offset 2 ends after the end of the text at UTF-16 offset 6",
    ],
    [[{ type: "shouting", offset: 0, length: 1 }], 'Unsupported entity type "shouting"'],
    [[{ type: "bold", offset: "0", length: 1 }], 'Field "offset" must be of type Number'],
    [
      [{ type: "text_link", offset: 0, length: 1 }],
      'Field "url" must be of type String for a "text_link" entity',
    ],
    [
      [
        { type: "code", offset: 0, length: 4 },
        { type: "bold", offset: 1, length: 2 },
      ],
      'Entity "bold" at UTF-16 offset 1 can\'t be inside or across the "code" entity at UTF-16 offset 0',
    ],
    [
      [
        { type: "pre", offset: 0, length: 2 },
        { type: "italic", offset: 1, length: 3 },
      ],
      'Entity "italic" at UTF-16 offset 1 can\'t be inside or across the "pre" entity at UTF-16 offset 0',
    ],
  ])("rejects %j", (entities, message) => {
    expect(parseError(() => validateEntities("abcde", entities))).toBe(message);
  });

  it("lets a formatting entity enclose code (bold code)", () => {
    expect(
      validateEntities("abcd", [
        { type: "bold", offset: 0, length: 4 },
        { type: "code", offset: 1, length: 2 },
      ]),
    ).toHaveLength(2);
  });

  it("accepts every in-range entity and rejects every out-of-range one", () => {
    fc.assert(
      fc.property(anyText, fc.nat(80), fc.integer({ min: 1, max: 80 }), (text, offset, length) => {
        const entities = [{ type: "italic", offset, length }];
        if (offset + length <= text.length) {
          expect(validateEntities(text, entities)).toEqual(entities);
        } else {
          expect(() => validateEntities(text, entities)).toThrow(EntityParseError);
        }
      }),
    );
  });
});

describe("text normalisation (what Telegram stores)", () => {
  it("trims spaces and newlines at the ends and cuts entities with them", () => {
    expect(
      normalizeFormattedText({
        text: "\n  hello world \n",
        entities: [{ type: "bold", offset: 9, length: 7 }],
      }),
    ).toEqual({ text: "hello world", entities: [{ type: "bold", offset: 6, length: 5 }] });
  });

  it("removes \\r, turns tabs into spaces and empties whitespace-only text", () => {
    expect(normalizeFormattedText({ text: "a\r\nb\tc", entities: [] }).text).toBe("a\nb c");
    expect(normalizeFormattedText({ text: " \n ", entities: [] }).text).toBe("");
  });

  it("drops parsed entities nested in pre or code, as Telegram does", () => {
    expect(formatText("<pre>a<b>b</b></pre>", "HTML")).toEqual({
      text: "ab",
      entities: [{ type: "pre", offset: 0, length: 2 }],
    });
  });

  it("never leaves edge whitespace and keeps every entity inside the text", () => {
    const entityOf = (length: number) =>
      fc
        .tuple(fc.nat(length), fc.integer({ min: 1, max: Math.max(1, length) }))
        .filter(([offset, l]) => offset + l <= length)
        .map(([offset, l]) => ({ type: "bold" as const, offset, length: l }));
    const input = fc
      .string({
        unit: fc.constantFrom("a", "😀", " ", "\n", "\r", "\t"),
        minLength: 1,
        maxLength: 30,
      })
      .chain((text) =>
        fc.record({
          text: fc.constant(text),
          entities: fc.array(entityOf(text.length), { maxLength: 3 }),
        }),
      );
    fc.assert(
      fc.property(input, ({ text, entities }) => {
        const out = normalizeFormattedText({ text, entities });
        expect(out.text).toBe(out.text.replace(/^[ \n]+|[ \n]+$/g, ""));
        expect(out.text).not.toMatch(/[\r\t]/);
        for (const e of out.entities) {
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.length).toBeGreaterThan(0);
          expect(e.offset + e.length).toBeLessThanOrEqual(out.text.length);
        }
      }),
    );
  });
});
