import { describeValue as describe } from "../describe.js";
import type { Formatter } from "./formatter.js";
import { htmlFormatter } from "./html/formatter.js";
import { markdownFormatter } from "./markdown/formatter.js";
import { plainFormatter } from "./plain.js";

const BY_NAME = {
  plain: plainFormatter,
  markdown: markdownFormatter,
  html: htmlFormatter,
} as const;

/**
 * The formatter for a `format` option: `"plain"`, `"markdown"` or `"html"`
 * give the built-in formatters; a {@link Formatter} object (anything with a
 * string `name` and a `render` function) is returned as is, so callers can
 * plug in their own.
 *
 * @throws TypeError for anything else, naming the accepted values.
 */
export function resolveFormatter(format: "plain" | "markdown" | "html" | Formatter): Formatter {
  if (typeof format === "string" && Object.hasOwn(BY_NAME, format)) {
    return BY_NAME[format as keyof typeof BY_NAME];
  }
  if (
    typeof format === "object" &&
    format !== null &&
    typeof format.render === "function" &&
    typeof format.name === "string"
  ) {
    return format;
  }
  throw new TypeError(
    `format must be "plain", "markdown", "html" or a Formatter object ({ name, render(source, final) }), got ${describe(format)}`,
  );
}
