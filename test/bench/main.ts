/**
 * `npm run bench`: streamgram, `@grammyjs/stream` and a hand-written edit
 * loop, side by side against the emulator at Telegram's documented limits.
 *
 *   npm run bench                      every scenario (about 9 minutes)
 *   npm run bench -- --quick           a few scenarios (about 2 minutes)
 *   npm run bench -- --only='group'    scenarios whose name matches the regex
 *   npm run bench -- --time-scale=0.1  everything 10x faster (limits too), for trying the bench out
 *   npm run bench -- --instances=3     three processes of one bot, local budgets against the Redis budget
 *
 * Prints a table and its Markdown version, and writes every figure to
 * `bench-results/bench-<date>.json`.
 */

import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { hostileWorstCases } from "../support/hostile-markdown.js";
import { CONTENDERS } from "./contenders/index.js";
import { measureCoreInChildProcess } from "./core-throughput.js";
import { type EmulatorThread, hostEmulator } from "./emulator-host.js";
import { longestBlock } from "./event-loop.js";
import { instancesTable, runInstancesBench } from "./instances.js";
import { measureLeaksInChildProcess } from "./leaks.js";
import { hostileRenderLines, measureHostileRenderingInChildProcess } from "./render-hostile.js";
import {
  type BenchReport,
  coreLines,
  LEGEND,
  longRunningLines,
  markdownTable,
  textTable,
} from "./report.js";
import { runScenarios } from "./run.js";
import { selectScenarios } from "./scenarios.js";

const USAGE =
  "usage: npm run bench -- [--quick] [--only=<regex>] [--time-scale=<0-1>] [--thread=worker|main] [--instances=<n>]";

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      "time-scale": { type: "string", default: "1" },
      thread: { type: "string", default: "worker" },
      instances: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const timeScale = Number(values["time-scale"]);
  if (!(timeScale > 0 && timeScale <= 1))
    throw new RangeError(`--time-scale must be a number in (0, 1], got ${values["time-scale"]}`);
  if (values.thread !== "worker" && values.thread !== "main") {
    throw new TypeError(`--thread must be "worker" or "main", got ${values.thread}`);
  }
  let only: RegExp | undefined;
  try {
    only = values.only === undefined ? undefined : new RegExp(values.only, "i");
  } catch {
    throw new TypeError(`--only must be a regular expression, got ${values.only}`);
  }
  const instances = values.instances === undefined ? undefined : Number(values.instances);
  return {
    quick: values.quick ?? false,
    only,
    timeScale,
    thread: values.thread as EmulatorThread,
    instances,
  };
}

/** `--instances=N`: N processes of one bot, local budgets against the Redis budget. */
async function instancesMain(instances: number, timeScale: number): Promise<void> {
  const began = performance.now();
  console.log(
    `streamgram bench, ${new Date().toISOString()}: ${instances} instances of one bot, time scale ${timeScale}`,
  );
  const rows = await runInstancesBench({
    instances,
    timeScale,
    log: (line) =>
      console.log(`${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s  ${line}`),
  });
  console.log(`\n${instancesTable(rows)}\n`);
  await mkdir("bench-results", { recursive: true });
  const file = `bench-results/instances-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(file, `${JSON.stringify({ instances, timeScale, rows }, null, 2)}\n`);
  console.log(`figures written to ${file}`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.instances !== undefined) return instancesMain(options.instances, options.timeScale);
  const scenarios = selectScenarios({ quick: options.quick, only: options.only });
  if (scenarios.length === 0)
    throw new RangeError("no scenario matches --only; see test/bench/scenarios.ts for the names");
  const began = performance.now();
  const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s`;
  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  console.log(
    `streamgram bench, ${new Date().toISOString()}, ${machine.cores} x ${machine.cpu}, Node ${machine.node}`,
  );
  console.log(
    `${scenarios.length} scenarios, ${CONTENDERS.length} contenders, time scale ${options.timeScale}`,
  );

  console.log(`${elapsed()}  measuring the core alone (child process with --expose-gc)`);
  const core = await measureCoreInChildProcess();
  console.log(coreLines(core));
  console.log(
    `${elapsed()}  measuring the Markdown formatter on hostile 32k answers (child process)`,
  );
  const hostileRender = await measureHostileRenderingInChildProcess();
  console.log(hostileRenderLines(hostileRender));
  console.log(
    `${elapsed()}  measuring what a long-running bot keeps, and the event loop under hostile answers`,
  );
  const leaks = await measureLeaksInChildProcess();
  const blocks: Array<{ name: string; ms: number }> = [];
  for (const { name, source } of hostileWorstCases()) {
    blocks.push({ name, ms: (await longestBlock([source])).longestBlockMs });
  }
  blocks.sort((a, b) => a.ms - b.ms);
  const worst = blocks.at(-1) ?? { name: "none", ms: 0 };
  const hostileStreams = {
    worstCase: worst.name,
    longestBlockMs: worst.ms,
    medianBlockMs: blocks[Math.floor(blocks.length / 2)]?.ms ?? 0,
  };
  console.log(longRunningLines(leaks, hostileStreams));

  const host = await hostEmulator({ timeScale: options.timeScale }, options.thread);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cells = await runScenarios({
    host,
    scenarios,
    contenders: CONTENDERS,
    timeScale: options.timeScale,
    log: (line) => console.log(`${elapsed()}  ${line}`),
  });
  loop.disable();
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine,
    timeScale: options.timeScale,
    loopDelay: {
      bench: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      emulator: await host.loopDelay(),
    },
    durationSeconds: (performance.now() - began) / 1000,
    cells,
    core,
    hostileRender,
    leaks,
    hostileStreams,
  };
  await host.close();

  console.log(`\n${textTable(cells)}\n\n${LEGEND}\n\n${coreLines(core)}`);
  console.log(hostileRenderLines(hostileRender));
  console.log(longRunningLines(leaks, hostileStreams));
  console.log(
    `event loop delay p99/max: bench ${report.loopDelay.bench.p99.toFixed(0)}/${report.loopDelay.bench.max.toFixed(0)} ms, ` +
      `emulator ${report.loopDelay.emulator.p99.toFixed(0)}/${report.loopDelay.emulator.max.toFixed(0)} ms`,
  );
  console.log(`\nMarkdown, for the README:\n\n${markdownTable(cells)}\n`);
  await mkdir("bench-results", { recursive: true });
  const file = `bench-results/bench-${report.date.replace(/[:.]/g, "-")}.json`;
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`figures written to ${file} (${elapsed().trim()} in all)`);
}

main().then(
  // Streams the bench gave up on may still hold timers; the figures are written.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
