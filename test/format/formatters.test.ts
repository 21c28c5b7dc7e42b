import { describe, expect, it } from "vitest";
import {
  type Formatter,
  htmlFormatter,
  markdownFormatter,
  plainFormatter,
  resolveFormatter,
} from "../../shared/format/index.js";

describe("resolveFormatter", () => {
  it("finds the built-in formatters by name", () => {
    expect(resolveFormatter("plain")).toBe(plainFormatter);
    expect(resolveFormatter("markdown")).toBe(markdownFormatter);
    expect(resolveFormatter("html")).toBe(htmlFormatter);
  });

  it("returns a custom formatter object as is", () => {
    const shouting: Formatter = {
      name: "plain",
      render: (source) => ({ text: source.toUpperCase(), entities: [] }),
    };
    expect(resolveFormatter(shouting)).toBe(shouting);
  });

  it.each([["Markdown"], ["markdownv2"], [""], [null], [42], [{ name: "plain" }], [["html"]]])(
    "rejects %j with a TypeError naming the accepted values",
    (format) => {
      expect(() => resolveFormatter(format as never)).toThrow(TypeError);
      expect(() => resolveFormatter(format as never)).toThrow(
        /"plain", "markdown", "html" or a Formatter/,
      );
    },
  );
});

describe("plainFormatter", () => {
  it("shows the text as is, whitespace included, without entities", () => {
    expect(plainFormatter.render("**not bold**  \n", true)).toEqual({
      text: "**not bold**  \n",
      entities: [],
    });
  });

  it("holds back half a surrogate pair while streaming, and repairs lone surrogates", () => {
    expect(plainFormatter.render("ok \uD83D", false).text).toBe("ok ");
    expect(plainFormatter.render("ok \uD83D", true).text).toBe("ok \uFFFD");
    expect(plainFormatter.render("\uDC4D ok 👍", false).text).toBe("\uFFFD ok 👍");
  });
});

describe("formatter names", () => {
  it("say which syntax each formatter reads", () => {
    expect([plainFormatter.name, markdownFormatter.name, htmlFormatter.name]).toEqual([
      "plain",
      "markdown",
      "html",
    ]);
  });

  it.each([markdownFormatter, htmlFormatter])(
    "$name rejects a source that is not a string",
    (formatter) => {
      expect(() => formatter.render(undefined as unknown as string, true)).toThrow(
        /source must be a string/,
      );
    },
  );
});
