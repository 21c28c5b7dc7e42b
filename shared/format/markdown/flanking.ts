/**
 * CommonMark's rules for whether a run of `*`, `_` or `~` can open emphasis,
 * from the characters around it ("left-flanking", spec section 6.2). Used to
 * tell which markers of unfinished text are still waiting for their closer.
 */

const WHITESPACE = /\s/u;
const PUNCTUATION = /[\p{P}\p{S}]/u;

/** Kind of the character next to a delimiter run; `undefined` (line edge) counts as whitespace. */
function kind(char: string | undefined): "space" | "punctuation" | "other" {
  if (char === undefined || char === "" || WHITESPACE.test(char)) return "space";
  return PUNCTUATION.test(char) ? "punctuation" : "other";
}

function leftFlanking(before: string | undefined, after: string | undefined): boolean {
  const next = kind(after);
  return next === "other" || (next === "punctuation" && kind(before) !== "other");
}

function rightFlanking(before: string | undefined, after: string | undefined): boolean {
  const previous = kind(before);
  return previous === "other" || (previous === "punctuation" && kind(after) !== "other");
}

/**
 * Whether a run of `marker` characters between `before` and `after` can open
 * emphasis (or strikethrough for `~`): `*` and `~` when left-flanking, `_`
 * only when it does not sit inside a word.
 */
export function canOpen(
  marker: string,
  before: string | undefined,
  after: string | undefined,
): boolean {
  if (!leftFlanking(before, after)) return false;
  if (marker !== "_") return true;
  return !rightFlanking(before, after) || kind(before) === "punctuation";
}
