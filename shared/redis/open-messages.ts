/**
 * The journal of one process in Redis: its lease, and the messages it is
 * streaming, each with the text its chat shows, so that another process can
 * finish them if this one dies.
 *
 * Keys (see `redisKey`): `lease:<process>` (a key with a TTL, renewed),
 * `open:<process>` (a hash: `<chatId>:<draftId>` → the {@link OpenMessage} as
 * JSON) and `procs` (the set of processes that have a journal).
 */
import type { OpenMessage, StreamJournal } from "../journal.js";
import { type RedisClient, type RedisSharing, redisKey } from "./connection.js";
import type { RedisTrouble } from "./trouble.js";

/**
 * Renew the lease, then write and delete journal entries, in one round trip.
 * KEYS: lease, open, procs. ARGV: process id, lease ms, number of entries to
 * write, then that many field/value pairs, then the fields to delete.
 */
const WRITE_SCRIPT = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
local n = tonumber(ARGV[3])
local i = 4
for _ = 1, n do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
  i = i + 1
end
return n`;

/**
 * Give the lease up: the messages still open are left for another process to
 * recover at once. KEYS: lease, open, procs. ARGV: process id.
 */
const RELEASE_SCRIPT = `
redis.call('DEL', KEYS[1])
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[1]) end
return 1`;

/** Timing of a {@link OpenMessageLog}, in real milliseconds. */
export interface JournalTiming {
  /** How long the lease lasts without renewal; it is renewed three times as often. */
  leaseMs: number;
  /** A message's entry is written at most this often; what it showed in between is coalesced. */
  writeIntervalMs: number;
}

interface Entry {
  /** The newest version, not yet written. */
  pending: OpenMessage | undefined;
  /** Some version of it may be in Redis: closing it must delete it there. */
  stored: boolean;
}

/** The journal field of a message. */
export function journalField(chatId: number | string, draftId: number): string {
  return `${chatId}:${draftId}`;
}

/**
 * A process's {@link StreamJournal} in Redis, and its lease.
 *
 * `shown` and `closed` only touch memory; writes go out in the background, in
 * one script per write that also renews the lease. A message's first version
 * and every close go out at once; later versions are coalesced and written on
 * a tick every `writeIntervalMs`, all pending messages of the process
 * together, so a message is written at most once per interval after its
 * first write, and the lease needs no separate renewal while messages stream.
 * A write that fails (Redis down) is retried on the next tick; nothing here
 * ever throws into a stream.
 */
export class OpenMessageLog implements StreamJournal {
  private readonly entries = new Map<string, Entry>();
  private readonly deletes = new Set<string>();
  private readonly client: RedisClient;
  private readonly leaseKey: string;
  private readonly openKey: string;
  private readonly procsKey: string;
  private soon: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private renewal: ReturnType<typeof setInterval> | undefined;
  /** The next write takes every pending version (a tick), not only first versions and closes. */
  private tickDue = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private flushing: Promise<void> | undefined;
  /** The last write failed: only ticks and renewals write until one succeeds, so a Redis outage is not hammered. */
  private failing = false;
  private isClosed = false;

  constructor(
    sharing: RedisSharing,
    /** This process's id: unique per process start. */
    readonly processId: string,
    private readonly timing: JournalTiming,
    /** Told about every write: answered or failed. */
    private readonly trouble: RedisTrouble,
  ) {
    this.client = sharing.client;
    this.leaseKey = redisKey(sharing, `lease:${processId}`);
    this.openKey = redisKey(sharing, `open:${processId}`);
    this.procsKey = redisKey(sharing, "procs");
  }

  /** Take the lease now and renew it until {@link close}. */
  async start(): Promise<void> {
    const renewEvery = this.timing.leaseMs / 3;
    this.renewal = setInterval(() => {
      // A write in the last third of a lease renewed it already.
      if (Date.now() - this.lastWriteAt >= renewEvery * 0.9) this.request(true);
    }, renewEvery);
    this.renewal.unref?.();
    this.ticker = setInterval(() => {
      if (this.hasPending()) this.request(true);
    }, this.timing.writeIntervalMs);
    this.ticker.unref?.();
    await this.flush();
  }

  shown(message: OpenMessage): void {
    if (this.isClosed || message.text.trim().length === 0) return;
    const field = journalField(message.chatId, message.draftId);
    const entry = this.entries.get(field);
    if (entry) {
      entry.pending = message;
      return;
    }
    this.entries.set(field, { pending: message, stored: false });
    this.request(false);
  }

  closed(chatId: number | string, draftId: number): void {
    const field = journalField(chatId, draftId);
    const entry = this.entries.get(field);
    this.entries.delete(field);
    if (entry?.stored) this.forget(field);
  }

  /** Delete an entry from Redis (also one this journal did not write, such as a recovered one). */
  forget(field: string): void {
    if (this.isClosed) return;
    this.deletes.add(field);
    this.request(false);
  }

  /** Write everything pending now, whatever the interval, and wait for it. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {});
    this.tickDue = true;
    await this.write();
  }

  /**
   * Stop renewing and writing: write what is pending, then give up the lease.
   * What is still open stays in Redis, for another process to recover.
   */
  async close(): Promise<void> {
    if (this.isClosed) return;
    // From now on nothing schedules a write: the last one below must not renew the lease after its release.
    this.halt();
    await this.flush().catch(() => {});
    const askedAt = performance.now();
    try {
      await this.client.eval(
        RELEASE_SCRIPT,
        3,
        this.leaseKey,
        this.openKey,
        this.procsKey,
        this.processId,
      );
      this.trouble.answered(askedAt);
    } catch (error) {
      this.trouble.failed(error, askedAt);
    }
  }

  /**
   * Stop renewing and writing, without a word to Redis (the app closed its
   * client): the lease runs out and what is still open is recovered.
   */
  halt(): void {
    this.isClosed = true;
    clearInterval(this.renewal);
    clearInterval(this.ticker);
    if (this.soon) clearTimeout(this.soon);
    this.soon = undefined;
  }

  private hasPending(): boolean {
    if (this.deletes.size > 0) return true;
    for (const entry of this.entries.values()) if (entry.pending) return true;
    return false;
  }

  /** Ask for a write soon; `tick` makes it take every pending version. */
  private request(tick: boolean): void {
    if (tick) this.tickDue = true;
    if (this.isClosed || (this.failing && !tick)) return;
    if (this.soon || this.flushing) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.write().catch(() => {});
    }, 0);
    this.soon.unref?.();
  }

  /** One write: the lease, first versions (every pending version on a tick), every delete. */
  private async write(): Promise<void> {
    if (this.flushing) return;
    const all = this.tickDue;
    this.tickDue = false;
    const sets: string[] = [];
    const written: [Entry, OpenMessage][] = [];
    for (const [field, entry] of this.entries) {
      if (!entry.pending || !(all || !entry.stored)) continue;
      sets.push(field, JSON.stringify(entry.pending));
      written.push([entry, entry.pending]);
      entry.pending = undefined;
      entry.stored = true;
    }
    const deletes = [...this.deletes];
    this.deletes.clear();
    this.lastWriteAt = Date.now();
    const askedAt = performance.now();
    const run = async () => {
      try {
        await this.client.eval(
          WRITE_SCRIPT,
          3,
          this.leaseKey,
          this.openKey,
          this.procsKey,
          this.processId,
          Math.ceil(this.timing.leaseMs),
          sets.length / 2,
          ...sets,
          ...deletes,
        );
        this.failing = false;
        this.trouble.answered(askedAt);
      } catch (error) {
        this.failing = true;
        // Keep what did not go out for the next write (unless a newer version came meanwhile).
        for (const [entry, message] of written) entry.pending ??= message;
        for (const field of deletes) this.deletes.add(field);
        this.trouble.failed(error, askedAt);
        throw error;
      } finally {
        this.flushing = undefined;
      }
    };
    this.flushing = run();
    try {
      await this.flushing;
    } finally {
      // What came in meanwhile: first versions and closes go now, the rest on the next tick.
      if (this.needsSoonWrite()) this.request(false);
    }
  }

  private needsSoonWrite(): boolean {
    if (this.tickDue || this.deletes.size > 0) return true;
    for (const entry of this.entries.values()) if (entry.pending && !entry.stored) return true;
    return false;
  }
}
