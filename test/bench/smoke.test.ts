/**
 * The bench, small and 20x faster, so it keeps working: one tiny scenario in
 * a private chat and one in a group, every contender, the emulator in a
 * worker thread as `npm run bench` runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENDERS } from "./contenders/index.js";
import { type EmulatorHost, hostEmulator } from "./emulator-host.js";
import { LEGEND, markdownTable, textTable } from "./report.js";
import { type CellFigures, runScenarios } from "./run.js";
import type { Scenario } from "./scenarios.js";

const TIME_SCALE = 0.05;

const SCENARIOS: Scenario[] = [
  {
    name: "smoke private",
    chatType: "private",
    chats: 1,
    answer: { size: 600, charsPerSecond: 100, toolCalls: 1, toolPauseMs: 1000 },
    quick: true,
  },
  {
    name: "smoke group",
    chatType: "group",
    chats: 1,
    answer: { size: 400, charsPerSecond: 100 },
    quick: true,
  },
];

let host: EmulatorHost;
let cells: CellFigures[];

beforeAll(async () => {
  host = await hostEmulator({ timeScale: TIME_SCALE }, "worker");
  cells = await runScenarios({
    host,
    scenarios: SCENARIOS,
    contenders: CONTENDERS,
    timeScale: TIME_SCALE,
    graceMs: () => 30_000,
  });
}, 60_000);

afterAll(async () => {
  await host?.close();
});

const cell = (scenario: string, contender: string) => {
  const found = cells.find((c) => c.scenario === scenario && c.contender === contender);
  if (!found) throw new Error(`no figures for ${scenario} / ${contender}`);
  return found;
};

describe("npm run bench (smoke)", () => {
  it("measures every contender where it can stream, and marks the rest n/a", () => {
    expect(cells).toHaveLength(SCENARIOS.length * CONTENDERS.length);
    for (const figures of cells) {
      const applicable = CONTENDERS.find((c) => c.name === figures.contender)?.chatTypes.includes(
        figures.scenario === "smoke private" ? "private" : "group",
      );
      if (!applicable) {
        expect(figures.status).toBe("n/a");
        continue;
      }
      expect(figures.status, `${figures.scenario} / ${figures.contender}: ${figures.error}`).toBe(
        "ok",
      );
      expect(figures.unfinished).toBe(0);
      expect(figures.calls).toBeGreaterThan(0);
      expect(figures.firstVisibleMs).toBeGreaterThan(0);
      expect(figures.meanLagMs).toBeGreaterThan(0);
      expect(figures.p95LagMs).toBeGreaterThanOrEqual(figures.meanLagMs * 0.5);
      expect(Number.isFinite(figures.finalAfterLastTokenMs)).toBe(true);
      expect(figures.boundMs).toBeGreaterThan(0);
      expect(figures.messagesPerChat).toBeGreaterThanOrEqual(1);
    }
    expect(cell("smoke group", "streamgram (draft)").status).toBe("n/a");
    expect(cell("smoke group", "@grammyjs/stream").status).toBe("n/a");
  });

  it("shows streamgram with zero 429s, nothing lost, nothing repeated, no cursor left", () => {
    for (const figures of cells.filter(
      (c) => c.contender.startsWith("streamgram") && c.status !== "n/a",
    )) {
      const label = `${figures.scenario} / ${figures.contender}`;
      expect(figures.tooManyRequests, label).toBe(0);
      expect(figures.lost, label).toBe(0);
      expect(figures.duplicated, label).toBe(0);
      expect(figures.cursorLeft, label).toBe(0);
      expect(Number.isFinite(figures.lagRatio), label).toBe(true);
    }
    // The tool call starts a new message.
    expect(cell("smoke private", "streamgram (auto)").messagesPerChat).toBe(2);
  });

  it("prints the table, its Markdown version and the legend", () => {
    const text = textTable(cells);
    const markdown = markdownTable(cells);
    for (const contender of CONTENDERS) {
      expect(text).toContain(contender.name);
      expect(markdown).toContain(`| ${contender.name} |`);
    }
    expect(markdown.split("\n")).toHaveLength(2 + cells.length);
    expect(text).toContain("n/a");
    expect(LEGEND).toContain("bound");
  });
});
