/**
 * The Markdown formatter on hostile answers: the longest single render of a
 * 32k-character worst case (delimiter floods, nesting thousands deep, tables
 * that widen, unclosed fences, flags and ZWJ emoji; see
 * test/support/hostile-markdown.ts), final and while streaming. A render is
 * synchronous, so this is how long one hostile answer can block every other
 * stream of the process.
 *
 * Each case is rendered for the first time (a fresh child process, so no
 * cache has seen it), after the JIT was warmed on small versions of the same
 * cases. An ordinary 32k answer is measured alongside as the baseline.
 *
 *   npx tsx test/bench/render-hostile.ts             all cases, JSON on stdout
 *   npx tsx test/bench/render-hostile.ts --table     all cases, one line each
 *   npx tsx test/bench/render-hostile.ts --table --only='flood'   cases whose name matches
 */

import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { markdownFormatter } from "../../shared/format/index.js";
import { hostileWorstCases } from "../support/hostile-markdown.js";
import { measureInChildProcess } from "./child-process.js";

/** Length of every measured text. */
const LENGTH = 32_000;

/** What {@link measureHostileRendering} found, times in milliseconds. */
export interface HostileRenderFigures {
  /** The longest single render over every case, final or streaming. */
  longestMs: number;
  /** The case that took it. */
  longestCase: string;
  /** The longest render of an ordinary 32k answer (prose, lists, code, a table), for comparison. */
  ordinaryMs: number;
  cases: CaseFigures[];
}

/** One case: its first final render and its longest streaming render, and what a render threw. */
export interface CaseFigures {
  name: string;
  finalMs: number;
  streamingMs: number;
  /** The error a render threw (the time is then until it threw); the formatter should never throw. */
  error?: string;
}

/** An ordinary answer of `length` characters: headings, prose with emphasis, a list, code, a table. */
function ordinaryAnswer(length: number): string {
  const section = (i: number) =>
    `## Part ${i}\n\nThe **rate budget** is shared, and \`x\` is code; see [docs](https://example.org/${i}).\n\n` +
    `- first point ${i}\n- second point with *emphasis*\n\n` +
    "```ts\nconst value = compute(input);\n```\n\n| key | value |\n|-----|-------|\n| a | 1 |\n\n";
  let text = "";
  for (let i = 0; text.length < length; i++) text += section(i);
  return text.slice(0, length);
}

/**
 * Time the first final render of `source`, and the longest streaming render
 * of it (the whole text, and the text cut at 3/4, as a flush sees it).
 */
function measureCase(source: string): Omit<CaseFigures, "name"> {
  let error: string | undefined;
  const timed = (text: string, final: boolean) => {
    const start = performance.now();
    try {
      markdownFormatter.render(text, final);
    } catch (thrown) {
      error ??= String(thrown);
    }
    return performance.now() - start;
  };
  const streamingMs = Math.max(
    timed(source.slice(0, Math.floor(source.length * 0.75)), false),
    timed(source, false),
  );
  const finalMs = timed(source, true);
  return error === undefined ? { finalMs, streamingMs } : { finalMs, streamingMs, error };
}

/** Measure every worst case in this process; `only` picks cases by name. */
export function measureHostileRendering(only?: RegExp): HostileRenderFigures {
  for (let round = 0; round < 3; round++) {
    for (const { source } of hostileWorstCases(2000)) measureCase(source);
  }
  const ordinary = measureCase(ordinaryAnswer(LENGTH));
  const cases = hostileWorstCases(LENGTH)
    .filter(({ name }) => only === undefined || only.test(name))
    .map(({ name, source }) => ({ name, ...measureCase(source) }));
  let longest = { name: "", ms: 0 };
  for (const { name, finalMs, streamingMs } of cases) {
    const ms = Math.max(finalMs, streamingMs);
    if (ms > longest.ms) longest = { name, ms };
  }
  return {
    longestMs: longest.ms,
    longestCase: longest.name,
    ordinaryMs: Math.max(ordinary.finalMs, ordinary.streamingMs),
    cases,
  };
}

/** Run {@link measureHostileRendering} in a child process of its own and return its figures. */
export function measureHostileRenderingInChildProcess(): Promise<HostileRenderFigures> {
  return measureInChildProcess<HostileRenderFigures>(
    import.meta.url,
    "hostile rendering measurement",
  );
}

/** The figures as lines of text for the bench's report. */
export function hostileRenderLines(figures: HostileRenderFigures): string {
  return (
    `render: longest single render of a hostile 32k text ${figures.longestMs.toFixed(0)} ms ` +
    `(${figures.longestCase}); an ordinary 32k answer ${figures.ordinaryMs.toFixed(0)} ms`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
  const figures = measureHostileRendering(only === undefined ? undefined : new RegExp(only, "i"));
  if (process.argv.includes("--table")) {
    for (const { name, finalMs, streamingMs, error } of figures.cases) {
      console.log(
        `${name.padEnd(56)} final ${finalMs.toFixed(1).padStart(8)} ms   streaming ${streamingMs.toFixed(1).padStart(8)} ms${error === undefined ? "" : `   threw ${error}`}`,
      );
    }
    console.log(hostileRenderLines(figures));
  } else {
    process.stdout.write(JSON.stringify(figures));
  }
}
