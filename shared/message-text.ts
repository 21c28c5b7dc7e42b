import { sliceFormatted } from "./format/index.js";
import type { FormattedText } from "./types.js";

/** Text with no entities. */
export function plainText(text: string): FormattedText {
  return { text, entities: [] };
}

/** `a` followed by `b`, with `b`'s entities shifted behind `a`. */
export function concatFormatted(a: FormattedText, b: FormattedText): FormattedText {
  if (a.text.length === 0) return b;
  if (b.text.length === 0) return a;
  return {
    text: a.text + b.text,
    entities: [
      ...a.entities,
      ...b.entities.map((e) => ({ ...e, offset: e.offset + a.text.length })),
    ],
  };
}

/**
 * The part of `ft` without leading and trailing white space, entities clipped
 * to it: Telegram strips that white space itself, which would shift entities.
 */
export function trimFormatted(ft: FormattedText): FormattedText {
  const start = ft.text.length - ft.text.trimStart().length;
  const end = ft.text.trimEnd().length;
  if (start === 0 && end === ft.text.length) return ft;
  if (end <= start) return plainText("");
  return sliceFormatted(ft, start, end);
}

/** Whether the user would see anything: white space alone is nothing. */
export function isBlank(ft: FormattedText): boolean {
  return ft.text.trim().length === 0;
}

/** A stable key for "is this exactly what Telegram already shows". */
export function contentKey(ft: FormattedText): string {
  return JSON.stringify([ft.text, ft.entities]);
}
