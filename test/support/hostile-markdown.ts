/**
 * fast-check arbitraries of the worst Markdown real models emit: tables that
 * widen late, reference links defined at the end, nesting thousands of levels
 * deep, delimiter floods, long unclosed code fences, setext headings, lazy
 * continuation lines, mixed scripts, flags, ZWJ emoji and lone surrogates.
 *
 * Every arbitrary takes a {@link HostileSize}: the big parts grow up to
 * `maxLength` characters (32k by default, the size of the worst answers),
 * and property tests of slower code (the consumer, over the emulator) can ask
 * for small ones. Repetitions are built with `String.repeat` from a generated
 * count, so a 32k text costs no more to generate than a short one.
 *
 * {@link hostileMarkdown} mixes all parts with ordinary prose into whole
 * answers; {@link hostileWorstCases} lists the fixed worst cases (32k of each
 * flood and nesting) for example tests and the bench.
 */
import fc from "fast-check";

/** How big the generated texts may get. */
export interface HostileSize {
  /**
   * Upper bound on the length (UTF-16 units) of one generated part, and of a
   * whole answer from {@link hostileMarkdown}. Default 32,000; at least 64.
   */
  maxLength?: number;
}

const DEFAULT_MAX_LENGTH = 32_000;

function maxLengthOf(size: HostileSize | undefined): number {
  return Math.max(64, Math.floor(size?.maxLength ?? DEFAULT_MAX_LENGTH));
}

/** How many copies of `unit` fit in `maxLength` (at least 1). */
function copiesIn(unit: string, maxLength: number): number {
  return Math.max(1, Math.floor(maxLength / Math.max(1, unit.length)));
}

/** A count from 1 to `max`, biased towards both ends (the big ones are what hurt). */
function count(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: 1, max: Math.min(max, 8) }),
    fc.integer({ min: 1, max }),
    fc.constant(max),
  );
}

const WORDS = [
  "the",
  "model",
  "answer",
  "stream",
  "Telegram",
  "message",
  "value",
  "a_b",
  "x*y",
  "2*3",
  "snake_case",
  "naïve",
  "Straße",
  "über",
  "ok",
];

/** Ordinary prose: a sentence or a few, no Markdown syntax on purpose (words like `a_b` aside). */
export function prose(size?: HostileSize): fc.Arbitrary<string> {
  const maxWords = Math.min(200, Math.floor(maxLengthOf(size) / 8));
  return fc
    .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: maxWords })
    .map((words) => `${words.join(" ")}.`);
}

/**
 * A GFM table whose columns widen late: 1 to 500 body rows (fewer for small
 * sizes) of narrow cells, then one row with a much wider cell, then
 * optionally more rows. Optionally quoted (`> | a |`) or without outer pipes.
 */
export function wideningTable(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  const maxRows = Math.max(1, Math.min(500, Math.floor(maxLength / 16)));
  return fc
    .record({
      rows: count(maxRows),
      wideAt: fc.double({ min: 0, max: 1, noNaN: true }),
      wideWidth: fc.integer({ min: 10, max: Math.min(400, Math.floor(maxLength / 8)) }),
      after: fc.integer({ min: 0, max: 3 }),
      quoted: fc.boolean(),
      outerPipes: fc.boolean(),
      align: fc.constantFrom("---", ":--", "--:", ":-:"),
    })
    .map(({ rows, wideAt, wideWidth, after, quoted, outerPipes, align }) => {
      const row = (cells: string[]) =>
        (quoted ? "> " : "") + (outerPipes ? `| ${cells.join(" | ")} |` : cells.join(" | "));
      const lines = [row(["n", "v"]), row([align, "---"])];
      const wide = Math.min(rows - 1, Math.floor(wideAt * rows));
      for (let i = 0; i < rows + after; i++) {
        lines.push(row([String(i), i === wide ? "w".repeat(wideWidth) : `v${i}`]));
      }
      return lines.join("\n").slice(0, maxLength);
    });
}

/**
 * Paragraphs citing reference links (`[1]`, `[text][id]`, `[id][]`) whose
 * definitions come only at the end, some defined twice, some never.
 */
export function referenceLinks(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  return fc
    .record({
      paragraphs: count(Math.max(1, Math.floor(maxLength / 64))),
      ids: fc.integer({ min: 1, max: 5 }),
      undefinedToo: fc.boolean(),
      titled: fc.boolean(),
    })
    .map(({ paragraphs, ids, undefinedToo, titled }) => {
      const parts: string[] = [];
      for (let i = 0; i < paragraphs; i++) {
        const id = (i % ids) + 1;
        const form = i % 3;
        const cite = form === 0 ? `[${id}]` : form === 1 ? `[source ${i}][${id}]` : `[${id}][]`;
        parts.push(`Claim ${i} is backed ${cite}${undefinedToo ? " and [9]" : ""}.`);
      }
      let text = parts.join("\n\n").slice(0, Math.floor(maxLength * 0.8));
      const definitions: string[] = [];
      for (let id = 1; id <= ids; id++) {
        definitions.push(`[${id}]: https://example.org/${id}${titled ? ` "Source ${id}"` : ""}`);
      }
      definitions.push("[1]: https://example.org/again");
      text += `\n\n${definitions.join("\n")}`;
      return text;
    });
}

const NESTING_MARKERS = ["> ", "- ", "* ", "1. ", "1) ", ">"] as const;

/**
 * Containers nested up to thousands of levels: one line of markers
 * (`> > > - 1. text`), a staircase of lines each indented one level more,
 * or a list nested by indentation, the markers mixed or all the same.
 */
export function deepNesting(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  const oneLine = fc
    .record({
      markers: fc.array(fc.constantFrom(...NESTING_MARKERS), { minLength: 1, maxLength: 4 }),
      depth: count(Math.floor(maxLength / 3)),
    })
    .map(({ markers, depth }) => {
      let text = "";
      for (let i = 0; i < depth && text.length < maxLength - 8; i++) {
        text += markers[i % markers.length];
      }
      return `${text}deep`;
    });
  const staircase = fc
    .record({
      marker: fc.constantFrom("- ", "* ", "1. ", "> - "),
      depth: count(Math.floor(Math.sqrt(maxLength))),
    })
    .map(({ marker, depth }) => {
      const lines: string[] = [];
      let length = 0;
      for (let level = 0; level < depth; level++) {
        const line = `${" ".repeat(level * marker.length)}${marker}level ${level}`;
        length += line.length + 1;
        if (length > maxLength) break;
        lines.push(line);
      }
      return lines.join("\n");
    });
  const quotes = fc
    .record({ depth: count(Math.floor(maxLength / 8)), text: fc.boolean() })
    .map(({ depth, text }) => {
      const lines: string[] = [];
      for (let level = 1; level <= depth; level++) {
        lines.push(`${">".repeat(Math.min(level, 64))}${text ? ` q${level}` : ""}`);
      }
      return lines.join("\n").slice(0, maxLength);
    });
  return fc.oneof(oneLine, staircase, quotes);
}

/** The units delimiter floods repeat. */
export const FLOOD_UNITS = [
  "*",
  "_",
  "`",
  "~",
  "|",
  "[",
  "]",
  "**",
  "*a ",
  "_a ",
  "[a] ",
  "[a](",
  "![a]",
  "**a ",
  "~~a ",
  "`a ",
  "a*",
  "<",
  "&",
  "\\",
  "||a ",
] as const;

/**
 * A delimiter flood: one unit (`*`, `_`, `` ` ``, `~`, `|`, `[`, `*a `,
 * `[a] `, unclosed `**`...) repeated up to `maxLength` characters, sometimes
 * with text around it.
 */
export function delimiterFlood(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  return fc
    .record({
      unit: fc.constantFrom(...FLOOD_UNITS),
      fill: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(1)),
      before: fc.constantFrom("", "Text ", "**bold ", "- ", "> "),
      after: fc.constantFrom("", " end", "a", "\n\ntext"),
    })
    .map(({ unit, fill, before, after }) => {
      const room = maxLength - before.length - after.length;
      const copies = Math.max(1, Math.floor(copiesIn(unit, room) * fill));
      return before + unit.repeat(copies) + after;
    });
}

/** A code fence (backticks or tildes) with many lines and blank lines inside, closed or not. */
export function codeFence(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  return fc
    .record({
      fence: fc.constantFrom("```", "~~~", "````"),
      language: fc.constantFrom("", "ts", "python", "md"),
      lines: count(Math.max(1, Math.floor(maxLength / 24))),
      closed: fc.boolean(),
      indent: fc.constantFrom("", "  ", "- ", "> "),
    })
    .map(({ fence, language, lines, closed, indent }) => {
      const body: string[] = [];
      for (let i = 0; i < lines; i++) {
        body.push(i % 5 === 4 ? "" : `${indent}  let x${i} = "*_[\`";`);
      }
      const text = `${indent}${fence}${language}\n${body.join("\n")}`.slice(0, maxLength - 8);
      return closed ? `${text}\n${indent}${fence}` : text;
    });
}

/** Setext headings: text lines underlined with `===` or `---` (which could also be a rule or a list). */
export function setextHeading(size?: HostileSize): fc.Arbitrary<string> {
  return fc
    .record({
      lines: fc.array(prose({ maxLength: Math.min(maxLengthOf(size), 400) }), {
        minLength: 1,
        maxLength: 3,
      }),
      underline: fc.constantFrom("===", "---", "-", "=", "- - -", "==="),
      next: fc.constantFrom("", "\nParagraph after.", "\n\nParagraph after."),
    })
    .map(({ lines, underline, next }) => `${lines.join("\n")}\n${underline}${next}`);
}

/** Lazy continuation lines: a quote or list item continued by unmarked lines. */
export function lazyContinuation(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  return fc
    .record({
      marker: fc.constantFrom("> ", "- ", "1. ", "> - ", "> > "),
      lines: count(Math.max(1, Math.floor(maxLength / 40))),
      endsInBlock: fc.constantFrom("", "\n- next", "\n> back", "\n\nafter", "\n---"),
    })
    .map(({ marker, lines, endsInBlock }) => {
      const body: string[] = [`${marker}start of the block`];
      for (let i = 1; i < lines; i++) body.push(`lazy line ${i} *still* in it`);
      return (body.join("\n") + endsInBlock).slice(0, maxLength);
    });
}

/** ATX headings (`#` to `######`, some closed `## x ##`) each followed by a paragraph. */
export function atxHeadings(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  return fc
    .array(
      fc.record({
        level: fc.integer({ min: 1, max: 7 }),
        closed: fc.boolean(),
        gap: fc.constantFrom("\n", "\n\n"),
        paragraph: prose({ maxLength: 300 }),
      }),
      { minLength: 1, maxLength: Math.max(1, Math.floor(maxLength / 200)) },
    )
    .map((sections) =>
      sections
        .map(({ level, closed, gap, paragraph }) => {
          const hashes = "#".repeat(level);
          return `${hashes} Heading${closed ? ` ${hashes}` : ""}${gap}${paragraph}`;
        })
        .join("\n\n")
        .slice(0, maxLength),
    );
}

const SCRIPTS = [
  "日本語のテキスト",
  "中文文本",
  "한국어",
  "مرحبا بالعالم",
  "שלום עולם",
  "हिन्दी पाठ",
  "क्षत्रिय",
  "e\u0301\u0301\u0301",
  "a\u0308\u0323",
  "ไทย",
];

/** Text in mixed scripts: CJK, Arabic and Hebrew (right to left), Devanagari and stacked combining marks. */
export function mixedScripts(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  return fc
    .array(fc.constantFrom(...SCRIPTS, " ", "**", "_", "\n"), {
      minLength: 1,
      maxLength: Math.max(1, Math.floor(maxLength / 8)),
    })
    .map((pieces) => pieces.join("").slice(0, maxLength));
}

const EMOJI = [
  "🇺🇦",
  "🇯🇵",
  "🇺🇦🇯🇵",
  "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
  "👨‍👩‍👧‍👦",
  "👩🏽‍💻",
  "👍🏿",
  "👋🏻",
  "❤️",
  "1️⃣",
  "\uD83D",
  "\uDE00",
  "\uDC4D\uD83D",
];

/**
 * Emoji that are several code points (regional-indicator flags, ZWJ
 * families, skin tones, keycaps) mixed with lone surrogates, optionally
 * inside formatting or a table cell.
 */
export function emojiAndSurrogates(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  return fc
    .record({
      pieces: fc.array(fc.constantFrom(...EMOJI, " ", "a"), {
        minLength: 1,
        maxLength: Math.max(1, Math.floor(maxLength / 8)),
      }),
      wrap: fc.constantFrom(["", ""], ["**", "**"], ["`", "`"], ["| ", " |"], ["||", "||"]),
    })
    .map(({ pieces, wrap }) => `${wrap[0]}${pieces.join("")}${wrap[1]}`.slice(0, maxLength));
}

/**
 * One hostile part of any kind (or ordinary prose), each at most `maxLength`
 * characters.
 */
export function hostilePart(size?: HostileSize): fc.Arbitrary<string> {
  return fc.oneof(
    prose(size),
    wideningTable(size),
    referenceLinks(size),
    deepNesting(size),
    delimiterFlood(size),
    codeFence(size),
    setextHeading(size),
    lazyContinuation(size),
    atxHeadings(size),
    mixedScripts(size),
    emojiAndSurrogates(size),
  );
}

/**
 * Whole answers: a few hostile parts and prose paragraphs joined by a blank
 * line, a line break or nothing, cut to at most `maxLength` characters (the
 * cut may split anything, a surrogate pair included, as a model's stream
 * may).
 */
export function hostileMarkdown(size?: HostileSize): fc.Arbitrary<string> {
  const maxLength = maxLengthOf(size);
  // Each part gets a share of the room, so most answers hold several kinds.
  const part = hostilePart({ maxLength: Math.max(64, Math.floor(maxLength / 2)) });
  return fc
    .array(fc.tuple(part, fc.constantFrom("\n\n", "\n", "", " ")), {
      minLength: 1,
      maxLength: 6,
    })
    .map((parts) =>
      parts
        .map(([text, joiner]) => text + joiner)
        .join("")
        .slice(0, maxLength),
    );
}

/**
 * The fixed worst cases, each about `length` characters (32k by default):
 * every flood unit repeated, nesting of each kind, a long table widening at
 * its end, a long unclosed fence. Named for test titles and the bench.
 */
export function hostileWorstCases(length = DEFAULT_MAX_LENGTH): Array<{
  name: string;
  source: string;
}> {
  const fill = (unit: string, prefix = "") =>
    prefix + unit.repeat(Math.floor((length - prefix.length) / unit.length));
  const cases: Array<{ name: string; source: string }> = FLOOD_UNITS.map((unit) => ({
    name: `flood of ${JSON.stringify(unit)}`,
    source: fill(unit),
  }));
  cases.push(
    { name: "nested quotes `> `", source: fill("> ") },
    { name: "nested quotes `>`", source: fill(">") },
    { name: "nested bullets `- `", source: fill("- ") },
    { name: "nested numbers `1. `", source: fill("1. ") },
    { name: "mixed nesting `> - 1. `", source: fill("> - 1. ") },
    {
      name: "indented list staircase",
      source: Array.from({ length: 250 }, (_, level) => `${" ".repeat(level * 2)}- ${level}`)
        .join("\n")
        .slice(0, length),
    },
    {
      name: "quote staircase",
      source: Array.from({ length: 250 }, (_, level) => `${">".repeat(level + 1)} q`)
        .join("\n")
        .slice(0, length),
    },
    {
      name: "table widening at the end",
      source: (() => {
        const lines = ["| n | v |", "|---|---|"];
        for (let i = 0; lines.join("\n").length < length - 300; i++) lines.push(`| ${i} | v${i} |`);
        lines.push(`| wide | ${"w".repeat(200)} |`);
        return lines.join("\n");
      })(),
    },
    {
      name: "unclosed fence with blank lines",
      source: fill("let x = 1;\n\n", "```ts\n"),
    },
    { name: "flags and ZWJ emoji", source: fill("🇺🇦🇯🇵👨‍👩‍👧‍👦👍🏿 ") },
    { name: "flood of `*` then a word", source: `${fill("*").slice(0, length - 4)} end` },
    { name: "flood of `_` then a letter", source: `${fill("_").slice(0, length - 1)}a` },
    {
      name: "512 half links then one long word",
      source: `${"[a](".repeat(512)}${"b".repeat(Math.max(0, length - 2048))}`,
    },
    {
      name: "nesting capped per line, deepened by indentation",
      source: (() => {
        const lines: string[] = [];
        let indent = 0;
        let size = 0;
        while (size < length) {
          const line = `${" ".repeat(indent)}${"- ".repeat(16)}x`;
          size += line.length + 1;
          if (size > length) break;
          lines.push(line);
          indent += 32;
        }
        return lines.join("\n");
      })(),
    },
    {
      name: "lazy lines under deep nesting",
      source: `${"> ".repeat(16)}${"- ".repeat(16)}start\n${"lazy\n".repeat(Math.floor((length - 80) / 5))}`,
    },
    {
      name: "table header of thousands of columns, short rows",
      source: (() => {
        const columns = Math.floor(length / 8);
        const header = `${"|a".repeat(columns)}|\n${"|-".repeat(columns)}|\n`;
        return header + "|b|\n".repeat(Math.floor((length - header.length) / 4));
      })(),
    },
    { name: "setext headings with no blank line between", source: fill("Title\n===\n") },
    { name: "a quote of thousands of paragraphs", source: fill("> a\n>\n") },
    { name: "hard line breaks", source: fill("a\\\n") },
    {
      name: "reference links defined at the end",
      source: `${fill("Claim [1] and [text][2].\n\n").slice(0, length - 64)}\n\n[1]: https://a.example\n[2]: https://b.example`,
    },
  );
  return cases;
}
