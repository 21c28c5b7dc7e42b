/**
 * The bot's rate budget shared by all its processes through Redis: every
 * call is reserved in one atomic script (`redis-scripts.ts`) that checks the
 * chat's and the bot's windows against the calls of every process.
 */
import { randomBytes } from "node:crypto";
import type { RateBudget } from "../limits.js";
import { type RedisScript, type RedisSharing, redisKey, runScript } from "../redis/connection.js";
import { type Logger, RedisTrouble, warningsTo } from "../redis/trouble.js";
import { JITTER_MARGIN, JITTER_MS, longestSpanOf } from "./history.js";
import { PENALIZE_SCRIPT, RESERVE_SCRIPT } from "./redis-scripts.js";
import type { SharedBudget, SharedCall, SharedReservation, SharedTicket } from "./shared.js";

export type { Logger } from "../redis/trouble.js";

/** Options of {@link RedisBudget}. */
export interface RedisBudgetOptions {
  /** The time scale of the limits (tests); scales the delays below. */
  timeScale: number;
  /** A call in flight this long without a settle counts as arrived (its process died). */
  inflightMs: number;
  /**
   * After an outage, or when Redis lost its data (restarted), the calls made
   * meanwhile are not in Redis: pace at the local share as well for this
   * long (the longest window, scaled).
   */
  recoveryMs: number;
  /** Give up on Redis after this long without an answer and decide locally. Default 500 ms. */
  timeoutMs?: number;
  /** Where the warning of an outage goes, when no `trouble` is given. Default `console`. */
  logger?: Logger;
  /**
   * This process's id, and the key prefix of every process's lease
   * (`<keyPrefix><processId>`: a key that exists while its process lives;
   * the hub's coordination keeps it). With them, a call a process left
   * unsettled counts as arrived as soon as its lease is seen gone, instead of
   * holding its chat until `inflightMs`: a crashed process's last call holds
   * up neither the recovery of its messages nor new streams to its chats.
   * Without them, process ids are random and only `inflightMs` ends such calls.
   */
  leases?: { processId: string; keyPrefix: string };
  /**
   * Where Redis failures are reported, shared with the hub's other users of
   * Redis so one outage logs one warning. Default: the budget's own, to `logger`.
   */
  trouble?: RedisTrouble;
}

/** How long a process counts as present after its last call, unscaled. */
const PRESENCE_MS = 60_000;
/** Settles wait this long (scaled) for a reservation to travel with, before going alone. */
const SETTLE_FLUSH_MS = 250;
/** At most this many settles travel with one reservation. */
const SETTLES_PER_CALL = 32;
/** Settles kept while Redis is away; older ones are dropped (their calls expire as in flight). */
const SETTLES_KEPT = 1000;
/** While Redis is away, ask it again this often (real time). */
const PROBE_MS = 1000;

/**
 * A call reserved in Redis. Its latest possible arrival is told in Redis's
 * clock without comparing clocks: Redis ran the reservation after it was
 * asked for, so "now" in Redis then plus the local time from asking to the
 * reply is never earlier than the reply.
 */
interface RedisTicket extends SharedTicket {
  /** The chat's bucket and the bot's. */
  readonly keys: readonly string[];
  /** `performance.now()` when the reservation was asked for. */
  readonly askedAt: number;
  /** Redis's clock when it ran the reservation, and the time it reserved. */
  readonly redisNow: number;
  readonly sentAt: number;
}

/** A settle waiting to travel: the call's id, its buckets, its latest arrival on Redis's clock. */
interface Settle {
  id: string;
  keys: readonly string[];
  arrivedBy: number;
}

/** `limit:windowMs,...` for the scripts. */
function windowSpec(budget: RateBudget): string {
  return budget.windows.map((w) => `${w.limit}:${w.windowMs}`).join(",");
}

/** Counts for monitoring and the bench. */
export interface RedisBudgetStats {
  /** Script calls sent to Redis (reservations, lone settles, penalties, probes). */
  roundTrips: number;
  /** Calls Redis granted. */
  granted: number;
  /** Reservations refused because another process had a call to the chat in flight. */
  refused: number;
  /** Outages this budget saw (it decided locally until a probe found Redis back). */
  outages: number;
}

/**
 * A {@link SharedBudget} on Redis. One script call per reservation; the
 * settle of a call travels with the process's next reservation (or alone
 * after 100 ms scaled); a penalty is one fire-and-forget script call.
 *
 * When Redis does not answer (not connected, or slower than `timeoutMs`) it
 * turns unreachable: one warning, the local budget paces alone as if every
 * process seen in the last minute (at least two) shared the bot, and a probe
 * every second rejoins as soon as Redis answers.
 */
export class RedisBudget implements SharedBudget {
  reachable = true;
  /** The most processes Redis counted within the last minute (scaled), and when. */
  private peak = { count: 1, at: 0 };
  /** Until this time (`performance.now()`), Redis's history may lack calls: pace at the local share too. */
  private recoveringUntil = 0;
  /** The epoch Redis named last: a new one means it lost its data. */
  private epoch: string | undefined;
  readonly stats: RedisBudgetStats = { roundTrips: 0, granted: 0, refused: 0, outages: 0 };
  private readonly processId: string;
  /** The key prefix of the leases, or "" (see `RedisBudgetOptions.leases`). */
  private readonly leasePrefix: string;
  private seq = 0;
  private settles: Settle[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly timeoutMs: number;
  private readonly botBucket: string;
  private readonly botPenalty: string;
  private readonly processSet: string;
  private readonly penalizedSet: string;
  private readonly epochKey: string;
  private readonly trouble: RedisTrouble;

  constructor(
    private readonly sharing: RedisSharing,
    private readonly options: RedisBudgetOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 500;
    this.processId = options.leases?.processId ?? randomBytes(6).toString("hex");
    this.leasePrefix = options.leases?.keyPrefix ?? "";
    if (/[\s.]/.test(this.processId))
      throw new TypeError("RedisBudget: leases.processId must have no dot and no white space");
    this.trouble =
      options.trouble ??
      new RedisTrouble(warningsTo(options.logger), (reason) => this.outageWarning(reason));
    this.botBucket = this.key("budget:bot");
    this.botPenalty = this.key("penalty:bot");
    this.processSet = this.key("processes");
    this.penalizedSet = this.key("penalized");
    this.epochKey = this.key("epoch");
    // Say this process is there (the others count it when Redis is away), and learn the epoch.
    void this.settleOnly([], true);
  }

  /**
   * How many processes used the bot within the last minute (scaled), at the
   * most Redis counted: a restarted Redis counts only those back already.
   */
  get processes(): number {
    return this.peak.count;
  }

  private counted(processes: unknown): void {
    const count = Math.max(1, Number(processes) || 1);
    const now = performance.now();
    if (count >= this.peak.count || now - this.peak.at > PRESENCE_MS * this.options.timeScale)
      this.peak = { count, at: now };
  }

  /** Whether Redis's history may lack recent calls (after an outage or a Redis restart). */
  get recovering(): boolean {
    return performance.now() < this.recoveringUntil;
  }

  /** Note the epoch Redis answered with; a changed one means Redis lost every history. */
  private seen(epoch: unknown): void {
    const value = String(epoch);
    if (this.epoch !== undefined && this.epoch !== value)
      this.recoveringUntil = performance.now() + this.options.recoveryMs;
    this.epoch = value;
  }

  /** A fresh epoch, for Redis to keep if it has none. */
  private newEpoch(): string {
    return `${this.processId}.${Date.now().toString(36)}`;
  }

  private key(name: string): string {
    return redisKey(this.sharing, name);
  }

  async reserve(call: SharedCall): Promise<SharedReservation> {
    const id = `${this.processId}.${(++this.seq).toString(36)}`;
    const chatBucket = this.key(`budget:${call.kind}:${call.chat}`);
    const settles = this.settles.splice(0, SETTLES_PER_CALL);
    const keys = [
      chatBucket,
      this.botBucket,
      this.key(`penalty:${call.chat}`),
      this.botPenalty,
      this.processSet,
      this.epochKey,
    ];
    const args: (string | number)[] = [
      "",
      windowSpec(call.budget),
      call.budget.burst,
      windowSpec(call.global),
      call.global.burst,
      call.paced ? 1 : 0,
      call.slowdown,
      call.globalSlowdown,
      this.options.inflightMs,
      id,
      this.processId,
      PRESENCE_MS * this.options.timeScale,
      Math.max(1, Math.ceil(50 * this.options.timeScale)),
      JITTER_MARGIN,
      JITTER_MS,
      this.newEpoch(),
      this.leasePrefix,
    ];
    this.addSettles(settles, keys, args);
    const askedAt = performance.now();
    let reply: unknown;
    try {
      reply = await this.run(RESERVE_SCRIPT, keys, args);
    } catch (error) {
      this.keepSettles(settles);
      this.lost(error, askedAt);
      throw error;
    }
    const [status, a, processes, chatPenaltyMs, botPenaltyMs, redisNow, sentAt, epoch] =
      reply as number[];
    this.counted(processes);
    if (status === 0) {
      this.stats.refused++;
      this.seen(chatPenaltyMs);
      return { granted: false, retryMs: Number(a) };
    }
    this.seen(epoch);
    this.stats.granted++;
    const ticket: RedisTicket = {
      id,
      keys: [chatBucket, this.botBucket],
      askedAt,
      redisNow: Number(redisNow),
      sentAt: Number(sentAt),
    };
    return {
      granted: true,
      ticket,
      delayMs: Math.max(0, Number(a)),
      chatPenaltyMs: Number(chatPenaltyMs) || 0,
      botPenaltyMs: Number(botPenaltyMs) || 0,
    };
  }

  settle(shared: SharedTicket, made: boolean): void {
    const ticket = shared as RedisTicket;
    const arrivedBy = made ? ticket.redisNow + (performance.now() - ticket.askedAt) : ticket.sentAt;
    this.keepSettles([{ id: ticket.id, keys: ticket.keys, arrivedBy }]);
    if (this.flushTimer === undefined && this.reachable) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush();
      }, SETTLE_FLUSH_MS * this.options.timeScale);
      this.flushTimer.unref?.();
    }
  }

  penalize(chat: string, penaltyMs: number, chatBudget: RateBudget, global: RateBudget): void {
    if (!this.reachable) return;
    const askedAt = performance.now();
    this.run(
      PENALIZE_SCRIPT,
      [this.key(`penalty:${chat}`), this.botPenalty, this.penalizedSet],
      ["", chat, penaltyMs, longestSpanOf(chatBudget), longestSpanOf(global)],
    ).catch((error) => this.lost(error, askedAt));
  }

  /**
   * Send every settle still waiting for a reservation to travel with. Call it
   * before the process exits: until its settle arrives, another process
   * counts a call as in flight (for up to the call timeout).
   */
  async flushSettles(): Promise<void> {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flush();
  }

  /** Send the waiting settles alone (none travelled with a reservation in time). */
  private async flush(): Promise<void> {
    while (this.settles.length > 0 && this.reachable) {
      const settles = this.settles.splice(0, SETTLES_PER_CALL);
      if (!(await this.settleOnly(settles))) return;
    }
  }

  /**
   * One round trip that only settles (with none, it only checks that Redis
   * answers). A failure keeps the settles; it reports the outage unless this
   * is a probe during one.
   */
  private async settleOnly(settles: Settle[], probing = false): Promise<boolean> {
    const keys = [
      this.botBucket,
      this.botBucket,
      this.botPenalty,
      this.botPenalty,
      this.processSet,
      this.epochKey,
    ];
    const presence = PRESENCE_MS * this.options.timeScale;
    const args: (string | number)[] = ["", "", 0, "", 0, 0, 1, 1, 0, "", this.processId, presence];
    args.push(0, 0, 0, this.newEpoch(), "");
    this.addSettles(settles, keys, args);
    const askedAt = performance.now();
    try {
      const [, epoch, processes] = (await this.run(RESERVE_SCRIPT, keys, args)) as unknown[];
      this.seen(epoch);
      this.counted(processes);
      return true;
    } catch (error) {
      this.keepSettles(settles);
      if (!probing) this.lost(error, askedAt);
      return false;
    }
  }

  private addSettles(settles: readonly Settle[], keys: string[], args: (string | number)[]): void {
    for (const settle of settles) {
      for (const key of settle.keys) {
        keys.push(key);
        args.push(`${settle.id} ${settle.arrivedBy.toFixed(3)}`);
      }
    }
  }

  private keepSettles(settles: Settle[]): void {
    this.settles.push(...settles);
    if (this.settles.length > SETTLES_KEPT)
      this.settles.splice(0, this.settles.length - SETTLES_KEPT);
  }

  /** One script call; an answer tells the hub's trouble that Redis answers. */
  private async run(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    this.stats.roundTrips++;
    const askedAt = performance.now();
    const reply = await runScript(this.sharing.client, script, keys, args, this.timeoutMs);
    this.trouble.answered(askedAt);
    return reply;
  }

  /**
   * What this budget does while Redis is away, for the outage's warning:
   * `reason` is what failed.
   */
  outageWarning(reason: string): string {
    return (
      `streamgram: Redis did not answer (${reason}); this process paces bot ${this.sharing.botId} ` +
      `alone, as if ${Math.max(2, this.processes)} processes shared it, until Redis is back`
    );
  }

  /**
   * A command sent at `askedAt` failed: decide locally until a probe finds
   * Redis back (the hub's trouble logs it, once per outage).
   */
  private lost(error: unknown, askedAt: number): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.stats.outages++;
    this.trouble.failed(error, askedAt);
    this.probe();
  }

  private probe(): void {
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = undefined;
      if (await this.settleOnly(this.settles.splice(0, SETTLES_PER_CALL), true)) {
        this.reachable = true;
        // The calls made during the outage are not in Redis.
        this.recoveringUntil = performance.now() + this.options.recoveryMs;
        void this.flush();
      } else this.probe();
    }, PROBE_MS);
    this.probeTimer.unref?.();
  }
}
