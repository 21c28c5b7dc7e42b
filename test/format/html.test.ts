import { describe, expect, it } from "vitest";
import { htmlFormatter, validateEntities } from "../../shared/format/index.js";
import { canonical, marked } from "./notation.js";

const render = (source: string, final = true) => canonical(htmlFormatter.render(source, final));
const looksLike = (notation: string) => canonical(marked(notation));

describe("htmlFormatter", () => {
  it("renders Telegram's tags as entities", () => {
    expect(
      render(
        '<b>bold</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u> <ins>ins</ins> <s>s</s> <strike>k</strike> <del>d</del> <code>c</code> <tg-spoiler>x</tg-spoiler> <span class="tg-spoiler">y</span> <a href="https://grammy.dev">link</a>',
      ),
    ).toEqual(
      looksLike(
        "⟦b⟧bold⟦/⟧ ⟦b⟧strong⟦/⟧ ⟦i⟧i⟦/⟧ ⟦i⟧em⟦/⟧ ⟦u⟧u⟦/⟧ ⟦u⟧ins⟦/⟧ ⟦s⟧s⟦/⟧ ⟦s⟧k⟦/⟧ ⟦s⟧d⟦/⟧ ⟦code⟧c⟦/⟧ ⟦spoiler⟧x⟦/⟧ ⟦spoiler⟧y⟦/⟧ ⟦a:https://grammy.dev⟧link⟦/⟧",
      ),
    );
  });

  it("reads pre blocks with their language, and block quotes", () => {
    expect(render('<pre><code class="language-python">print(1 &lt; 2)\n</code></pre>')).toEqual(
      looksLike("⟦pre:python⟧print(1 < 2)⟦/⟧"),
    );
    expect(
      render("<blockquote>short</blockquote>\n<blockquote expandable>long</blockquote>"),
    ).toEqual(looksLike("⟦quote⟧short⟦/⟧\n⟦xquote⟧long⟦/⟧"));
  });

  it("decodes the four named and all numeric character references, nothing else", () => {
    expect(render("&lt;&gt;&amp;&quot; &#128077; &#x1F44D; &nbsp; &#xD83D;")).toEqual(
      looksLike('<>&" 👍 👍 &nbsp; \uFFFD'),
    );
    expect(render('<a href="https://x.dev/?a=1&amp;b=2">q</a>')).toEqual(
      looksLike("⟦a:https://x.dev/?a=1&b=2⟧q⟦/⟧"),
    );
  });

  it("shows unknown tags and stray brackets as text", () => {
    expect(render("a<br>b <div>c</div> 1 < 2 > 0 <span>d</span>")).toEqual(
      looksLike("a<br>b <div>c</div> 1 < 2 > 0 <span>d</span>"),
    );
  });

  it("forgives crossed and unclosed tags, shows a closing tag with nothing to close", () => {
    expect(render("<b>bold <i>both</b> after</i>")).toEqual(
      looksLike("⟦b⟧bold ⟦i⟧both⟦/⟧⟦/⟧ after"),
    );
    expect(render("stray</b> <u>open to the end")).toEqual(
      looksLike("stray</b> ⟦u⟧open to the end⟦/⟧"),
    );
  });

  it("keeps entities valid where Telegram would drop or split them", () => {
    // Telegram cannot show bold code: the bold is split around it.
    expect(render("<b>run <code>ls</code> now</b>")).toEqual(
      looksLike("⟦b⟧run ⟦/⟧⟦code⟧ls⟦/⟧⟦b⟧ now⟦/⟧"),
    );
    // Code inside a link or a spoiler stays plain, so the link stays whole and the secret hidden.
    expect(
      render('<a href="https://x.dev"><code>x</code></a> <tg-spoiler><code>y</code></tg-spoiler>'),
    ).toEqual(looksLike("⟦a:https://x.dev⟧x⟦/⟧ ⟦spoiler⟧y⟦/⟧"));
    // Nothing nests in a quote of its own kind, nor the same format twice.
    expect(render("<blockquote>a<blockquote>b</blockquote></blockquote><b><b>c</b></b>")).toEqual(
      looksLike("⟦quote⟧ab⟦/⟧⟦b⟧c⟦/⟧"),
    );
    const quoteInBold = htmlFormatter.render(
      "<b>x<blockquote>y<pre>z</pre></blockquote>w</b>",
      true,
    );
    expect(validateEntities(quoteInBold)).toEqual([]);
  });

  it("shows a link Telegram would refuse as its text", () => {
    expect(
      render('<a href="page.html">page</a> <a href="javascript:alert(1)">js</a> <a>none</a>'),
    ).toEqual(looksLike("page js none"));
  });

  it("holds back a tag or reference cut off at the end while streaming", () => {
    expect(render("<b>bold <i", false)).toEqual(looksLike("⟦b⟧bold⟦/⟧"));
    expect(render('<a href="https://x.d', false)).toEqual(looksLike(""));
    expect(render("Tom &am", false)).toEqual(looksLike("Tom"));
    expect(render("<b>bold <i", true)).toEqual(looksLike("⟦b⟧bold <i⟦/⟧"));
    expect(render("Tom &am", true)).toEqual(looksLike("Tom &am"));
  });

  it("does not hold back a `<` that cannot start a Telegram tag", () => {
    expect(render("if x<y and y<z then", false)).toEqual(looksLike("if x<y and y<z then"));
  });

  it("keeps whitespace as written except at the end", () => {
    expect(render("  two  spaces\n\n\nthree newlines \n ")).toEqual(
      looksLike("  two  spaces\n\n\nthree newlines"),
    );
  });
});
