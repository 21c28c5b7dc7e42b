/**
 * Running the benchmark: scenarios of the same number of chats at once,
 * every contender of a scenario on the same playback, each contender with
 * its own bot token and chats so the emulator's per-token limits keep them
 * apart.
 */

import { performance } from "node:perf_hooks";
import type { Api } from "grammy";
import { type ChatTimeline, DEFAULT_EMULATOR_LIMITS } from "../emulator/index.js";
import { rateBound } from "./bound.js";
import type { Contender } from "./contenders/index.js";
import type { EmulatorHost } from "./emulator-host.js";
import { type AnswerPlan, EventChannel, type Playback, planAnswer, play } from "./producer.js";
import { type Scenario, seedOf } from "./scenarios.js";
import {
  checkDelivery,
  countable,
  emissionTimes,
  firstVisibleTimes,
  mean,
  quantile,
  visibleLags,
} from "./visibility.js";

/** What the bench measured for one contender in one scenario. Times in ms; NaN where nothing was seen. */
export interface CellFigures {
  scenario: string;
  contender: string;
  chats: number;
  /** `n/a`: the contender cannot stream into this chat type. `timeout`: some chats were not finished by the deadline. */
  status: "ok" | "n/a" | "timeout" | "error";
  /** The first error a stream threw, if any. */
  error?: string;
  /** Chats whose stream had not finished at the deadline. */
  unfinished: number;
  /** From the start of the answer (the request) to the first character on screen; p95 across chats. */
  firstVisibleMs: number;
  /** Over every character of every chat: when it first became visible minus when the model emitted it. */
  meanLagMs: number;
  p95LagMs: number;
  /** From the last token to the last finished message's last version; p95 across chats. */
  finalAfterLastTokenMs: number;
  /** Bot API calls the emulator received from this contender, and by method. */
  calls: number;
  callsByMethod: Record<string, number>;
  tooManyRequests: number;
  /** Countable characters (no whitespace) missing from / repeated in the finished messages, summed over chats. */
  lost: number;
  duplicated: number;
  /** Finished messages still showing the cursor. */
  cursorLeft: number;
  /** Finished messages per chat (mean). */
  messagesPerChat: number;
  /** The mean lag an ideal evenly paced streamer would have at this chat's budget (see `rateBound`). */
  boundMs: number;
  /** `meanLagMs / boundMs`. */
  lagRatio: number;
}

/** Options of {@link runScenarios}. */
export interface RunOptions {
  host: EmulatorHost;
  scenarios: readonly Scenario[];
  contenders: readonly Contender[];
  /** 1 = Telegram's real limits and real time; the smoke test uses 0.05. */
  timeScale: number;
  /** How long after the last token a cell may take before the bench gives up on it (unscaled). Default: 45 s plus 50 ms per chat. */
  graceMs?: (scenario: Scenario) => number;
  /** Progress lines. */
  log?: (line: string) => void;
}

function notApplicable(scenario: Scenario, contender: Contender): CellFigures {
  return {
    scenario: scenario.name,
    contender: contender.name,
    chats: scenario.chats,
    status: "n/a",
    unfinished: 0,
    firstVisibleMs: Number.NaN,
    meanLagMs: Number.NaN,
    p95LagMs: Number.NaN,
    finalAfterLastTokenMs: Number.NaN,
    calls: 0,
    callsByMethod: {},
    tooManyRequests: 0,
    lost: 0,
    duplicated: 0,
    cursorLeft: 0,
    messagesPerChat: 0,
    boundMs: Number.NaN,
    lagRatio: Number.NaN,
  };
}

function defaultGraceMs(scenario: Scenario): number {
  return 45_000 + 50 * scenario.chats;
}

/** A contender streaming into its chats of one scenario. */
interface Cell {
  contender: Contender;
  botId: number;
  /** The contender's client for this cell's bot, made when the cell warms up. */
  api: Api | undefined;
  chatIds: number[];
  channels: EventChannel[];
  controller: AbortController;
  /** Per chat: settles when its stream does. */
  streams: Promise<void>[];
  finished: boolean[];
  /** Per chat: its stream threw. */
  failed: boolean[];
  errors: unknown[];
}

/**
 * Run `scenarios` (each with all its contenders at once) and return the
 * figures, one per scenario and contender, in input order. Scenarios with
 * the same number of chats run concurrently; each number of chats is a phase
 * of its own, smallest first.
 */
export async function runScenarios(options: RunOptions): Promise<CellFigures[]> {
  let nextBotId = 700_000;
  let nextChat = 1;
  const newCell = (scenario: Scenario, contender: Contender): Cell => {
    const chatIds = Array.from({ length: scenario.chats }, () => {
      const id = 10_000_000 + nextChat++;
      return scenario.chatType === "private" ? id : -id;
    });
    return {
      contender,
      botId: nextBotId++,
      api: undefined,
      chatIds,
      channels: chatIds.map(() => new EventChannel()),
      controller: new AbortController(),
      streams: [],
      finished: chatIds.map(() => false),
      failed: chatIds.map(() => false),
      errors: [],
    };
  };
  const measured = new Map<Scenario, CellFigures[]>();
  // Scenarios with many chats load the machine: each size runs in a phase of its own,
  // so it does not slow down the measurements of the others.
  const sizes = [...new Set(options.scenarios.map((s) => s.chats))].sort((a, b) => a - b);
  for (const chats of sizes) {
    const phase = options.scenarios
      .filter((s) => s.chats === chats)
      .map((scenario) => ({
        scenario,
        cells: options.contenders
          .filter((contender) => contender.chatTypes.includes(scenario.chatType))
          .map((contender) => newCell(scenario, contender)),
      }));
    options.log?.(
      `phase: ${phase.length} scenario(s) with ${chats} chat(s) each, warming up connections`,
    );
    await Promise.all(phase.flatMap(({ cells }) => cells.map((cell) => warmUp(cell, options))));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await Promise.all(
      phase.map(async ({ scenario, cells }) =>
        measured.set(scenario, await runScenario(scenario, cells, options)),
      ),
    );
  }
  return options.scenarios.flatMap((scenario) =>
    options.contenders.map(
      (contender) =>
        measured.get(scenario)?.find((f) => f.contender === contender.name) ??
        notApplicable(scenario, contender),
    ),
  );
}

/**
 * Create the cell's client and open its connections with one `getMe` per
 * chat (not counted in the figures), so the first streamed call of each chat
 * does not pay for a new socket and cold code.
 */
async function warmUp(cell: Cell, options: RunOptions): Promise<void> {
  const token = `${cell.botId}:bench-${cell.contender.name.replace(/[^A-Za-z0-9]+/g, "-")}`;
  const api = cell.contender.createApi(token, options.host.apiRoot, options.timeScale);
  cell.api = api;
  await Promise.all(cell.chatIds.map(() => api.getMe()));
}

async function runScenario(
  scenario: Scenario,
  cells: Cell[],
  options: RunOptions,
): Promise<CellFigures[]> {
  const { timeScale } = options;
  const plan = planAnswer({ ...scenario.answer, seed: seedOf(scenario.name) });
  for (const cell of cells) {
    const api = cell.api;
    if (!api) throw new Error("bench bug: cell not warmed up");
    cell.streams = cell.chatIds.map((chatId, i) =>
      cell.contender
        .stream({
          api,
          chatId,
          chatType: scenario.chatType,
          events: cell.channels[i] as EventChannel,
          timeScale,
          signal: cell.controller.signal,
        })
        .then(
          () => {
            cell.finished[i] = true;
          },
          (error: unknown) => {
            cell.finished[i] = true;
            cell.failed[i] = true;
            cell.errors.push(error);
          },
        ),
    );
  }
  const playback = play(
    plan,
    cells.flatMap((c) => c.channels),
    timeScale,
  );
  options.log?.(
    `started  ${scenario.name} (${cells.length} contenders, ${(plan.durationMs / 1000).toFixed(0)} s of text)`,
  );
  const grace = (options.graceMs ?? defaultGraceMs)(scenario);
  const deadline = playback.startedAt + (plan.durationMs + grace) * timeScale;
  const measured = await Promise.all(
    cells.map((cell) => finishCell(scenario, cell, plan, playback, deadline, options)),
  );
  options.log?.(`finished ${scenario.name}`);
  return measured;
}

async function finishCell(
  scenario: Scenario,
  cell: Cell,
  plan: AnswerPlan,
  playback: Playback,
  deadline: number,
  options: RunOptions,
): Promise<CellFigures> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - performance.now()));
  });
  const outcome = await Promise.race([
    Promise.all(cell.streams).then(() => "done" as const),
    timedOut,
  ]);
  clearTimeout(timer);
  await playback.finished;
  // Which chats made it in time, before aborting the rest settles their promises.
  const finishedInTime = [...cell.finished];
  if (outcome === "timeout") cell.controller.abort(new Error("bench deadline"));
  const timelines = await options.host.timelines(cell.chatIds);
  const stats = await options.host.callStats(cell.botId);
  return measureCell(
    scenario,
    cell,
    finishedInTime,
    plan,
    playback,
    timelines,
    stats,
    options.timeScale,
  );
}

function measureCell(
  scenario: Scenario,
  cell: Cell,
  finishedInTime: readonly boolean[],
  plan: AnswerPlan,
  playback: Playback,
  timelines: ChatTimeline[],
  stats: { calls: Record<string, number>; total: number; tooManyRequests: number },
  timeScale: number,
): CellFigures {
  const expected = countable(plan.text);
  const emitted = emissionTimes(playback.emissions);
  if (emitted.length !== expected.length) {
    throw new Error(`bench bug: ${emitted.length} characters emitted, ${expected.length} planned`);
  }
  const lastTokenAt = playback.emissions[playback.emissions.length - 1]?.at ?? playback.startedAt;
  const lags: number[] = [];
  const firstVisible: number[] = [];
  const finals: number[] = [];
  let lost = 0;
  let duplicated = 0;
  let cursorLeft = 0;
  let messages = 0;
  timelines.forEach((timeline, i) => {
    const first = firstVisibleTimes(expected, timeline);
    for (const lag of visibleLags(first, emitted)) lags.push(lag);
    firstVisible.push((first[0] ?? Number.NaN) - playback.startedAt);
    const finished = timeline.messages.filter((m) => m.deletedAt === undefined);
    messages += finished.length;
    const delivery = checkDelivery(
      plan.text,
      finished.map((m) => m.versions[m.versions.length - 1]?.text ?? ""),
    );
    lost += delivery.lost;
    duplicated += delivery.duplicated;
    cursorLeft += delivery.cursorLeft;
    const lastVersionAt = Math.max(
      ...finished.map((m) => m.versions[m.versions.length - 1]?.at ?? Number.NaN),
    );
    const delivered = finishedInTime[i] && !cell.failed[i] && finished.length > 0;
    finals.push(delivered ? lastVersionAt - lastTokenAt : Number.NaN);
  });
  const unfinished = finishedInTime.filter((f) => !f).length;
  const silence = scenario.answer.silenceMs ?? 0;
  const bound = rateBound(
    DEFAULT_EMULATOR_LIMITS,
    scenario.chatType,
    scenario.chats,
    Math.max(1, plan.durationMs - silence) * timeScale,
    timeScale,
  );
  const meanLag = mean(lags);
  const figures: CellFigures = {
    scenario: scenario.name,
    contender: cell.contender.name,
    chats: scenario.chats,
    status: unfinished > 0 ? "timeout" : cell.errors.length > 0 ? "error" : "ok",
    unfinished,
    firstVisibleMs: quantileOrNaN(firstVisible, 0.95),
    meanLagMs: meanLag,
    p95LagMs: quantile(lags, 0.95),
    finalAfterLastTokenMs: quantileOrNaN(finals, 0.95),
    calls: stats.total,
    callsByMethod: stats.calls,
    tooManyRequests: stats.tooManyRequests,
    lost,
    duplicated,
    cursorLeft,
    messagesPerChat: messages / scenario.chats,
    boundMs: bound.meanLagMs,
    lagRatio: meanLag / bound.meanLagMs,
  };
  const error = cell.errors[0];
  if (error !== undefined) figures.error = String((error as Error)?.message ?? error).slice(0, 200);
  return figures;
}

/** The p-quantile of the values, NaN if any value is NaN (a chat where it could not be measured). */
function quantileOrNaN(values: number[], p: number): number {
  return values.some((v) => Number.isNaN(v)) ? Number.NaN : quantile(values, p);
}
