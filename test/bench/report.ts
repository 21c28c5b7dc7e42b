/**
 * The bench's output: a fixed-width table for the terminal, the same table
 * in Markdown for the README, and a JSON document with every figure.
 */

import type { CoreFigures } from "./core-throughput.js";
import type { LeakFigures } from "./leaks.js";
import type { HostileRenderFigures } from "./render-hostile.js";
import type { CellFigures } from "./run.js";

/** Everything one run of the bench found, as written to `bench-results/`. */
export interface BenchReport {
  /** ISO date of the run. */
  date: string;
  machine: { cpu: string; cores: number; node: string; platform: string };
  timeScale: number;
  /** How late the event loops ran during the scenarios (ms): large values mean the machine was saturated. */
  loopDelay: { bench: { p99: number; max: number }; emulator: { p99: number; max: number } };
  /** Wall-clock duration of the whole run, in seconds. */
  durationSeconds: number;
  cells: CellFigures[];
  core?: CoreFigures;
  /** The Markdown formatter's longest render of a hostile 32k answer (`render-hostile.ts`). */
  hostileRender?: HostileRenderFigures;
  /** What a long-running bot keeps (heap per chunk, finished streams). */
  leaks?: LeakFigures;
  /** The longest event-loop block while each hostile worst case streams alone. */
  hostileStreams?: { worstCase: string; longestBlockMs: number; medianBlockMs: number };
}

const COLUMNS = [
  "scenario",
  "contender",
  "first text",
  "mean lag",
  "p95 lag",
  "final",
  "calls",
  "429s",
  "lost",
  "dup",
  "bound",
  "lag/bound",
] as const;

function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "-";
}

/** One row of the table, as strings. */
function row(cell: CellFigures): string[] {
  if (cell.status === "n/a")
    return [cell.scenario, cell.contender, "n/a", "", "", "", "", "", "", "", "", ""];
  const streamgram = cell.contender.startsWith("streamgram");
  const ratio = streamgram && Number.isFinite(cell.lagRatio) ? `${cell.lagRatio.toFixed(2)}x` : "";
  const final =
    cell.status === "timeout"
      ? `timeout (${cell.unfinished} unfinished)`
      : seconds(cell.finalAfterLastTokenMs);
  return [
    cell.scenario,
    cell.status === "error" ? `${cell.contender} (error)` : cell.contender,
    seconds(cell.firstVisibleMs),
    seconds(cell.meanLagMs),
    seconds(cell.p95LagMs),
    final,
    String(cell.calls),
    String(cell.tooManyRequests),
    String(cell.lost),
    String(cell.duplicated),
    seconds(cell.boundMs),
    ratio,
  ];
}

/** The table as aligned plain text, one line per scenario and contender. */
export function textTable(cells: readonly CellFigures[]): string {
  const rows = [Array.from(COLUMNS), ...cells.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const lines = rows.map((r) =>
    r
      .map((value, i) => (i < 2 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return lines.join("\n");
}

/** The table in GitHub Markdown. */
export function markdownTable(cells: readonly CellFigures[]): string {
  const header = `| ${COLUMNS.join(" | ")} |`;
  const align = `|${COLUMNS.map((_, i) => (i < 2 ? " --- " : " ---: ")).join("|")}|`;
  return [header, align, ...cells.map((c) => `| ${row(c).join(" | ")} |`)].join("\n");
}

/** What the columns mean, printed under the tables. */
export const LEGEND = [
  "first text: request to first character on screen (p95 across chats). Includes the model's own silence.",
  "mean/p95 lag: for every character, when the user first saw it (draft or message) minus when the model emitted it;",
  "  only characters that were shown count (see lost).",
  "final: last token to the last finished message persisted (p95 across chats); timeout: not finished 45 s",
  "  (plus 50 ms per chat) after the last token, when the bench stops waiting.",
  "calls, 429s: Bot API calls the emulator received from the contender, and its Too Many Requests replies.",
  "lost/dup: characters (whitespace ignored) missing from, or repeated in, the finished messages.",
  "bound: mean lag of an ideal streamer spacing updates evenly at the chat's budget (drafts in private chats,",
  "  edits in groups, the bot's 30/s shared by all chats); lag/bound: streamgram's mean lag over it.",
].join("\n");

/** The core's throughput and memory, as lines of text. */
export function coreLines(core: CoreFigures): string {
  return [
    `core: ${Math.round(core.deltasPerSecond.single).toLocaleString("en")} deltas/s into one stream, ` +
      `${Math.round(core.deltasPerSecond.thousand).toLocaleString("en")} deltas/s across 1,000 streams ` +
      `(no-op Bot API, Markdown, Telegram's limits)`,
    `core: ${(core.bytesPerStream / 1024).toFixed(1)} KiB of heap per active stream at 1,000 streams ` +
      `(each holding ${core.charsPerStream} characters of answer)`,
  ].join("\n");
}

/** The long-running figures, as lines of text. */
export function longRunningLines(
  leaks: LeakFigures,
  streams: NonNullable<BenchReport["hostileStreams"]>,
): string {
  return [
    `long-running: ${(leaks.heapGrowthBytes / 1024 / 1024).toFixed(1)} MB of heap taken while one stream read ` +
      `${leaks.chunks.toLocaleString("en")} one-character chunks; ${leaks.listenersLeft} listeners and ` +
      `${leaks.streamsAlive} streams left by ${leaks.streams.toLocaleString("en")} finished streams sharing one signal`,
    `event loop: longest block ${streams.longestBlockMs.toFixed(0)} ms (median ${streams.medianBlockMs.toFixed(0)} ms) ` +
      `while a hostile 32k answer streams (worst: ${streams.worstCase})`,
  ].join("\n");
}
