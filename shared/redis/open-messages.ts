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
  /** The newest JSON, not yet written (undefined once written). */
  pending: string | undefined;
  /** When the entry was last written (or began to be). */
  writtenAt: number;
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
 * `shown` and `closed` only touch memory; writes go out in the background, at
 * most once per `writeIntervalMs` per message (a message's first version and
 * every close go out at once), all pending entries of the process in one
 * script, which also renews the lease. A write that fails (Redis down) is
 * retried with the next one; nothing here ever throws into a stream.
 */
export class OpenMessageLog implements StreamJournal {
  private readonly entries = new Map<string, Entry>();
  private readonly deletes = new Set<string>();
  private readonly client: RedisClient;
  private readonly leaseKey: string;
  private readonly openKey: string;
  private readonly procsKey: string;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private renewal: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> | undefined;
  /** The last write failed: wait a write interval before the next one, so a Redis outage is not hammered. */
  private failing = false;
  private closed_ = false;
  /** Round trips to Redis made by this journal (writes and lease renewals). */
  roundTrips = 0;

  constructor(
    sharing: RedisSharing,
    /** This process's id: unique per process start. */
    readonly processId: string,
    private readonly timing: JournalTiming,
    /** Told about a failed write (once per outage is up to the caller). */
    private readonly onError: (error: unknown) => void,
  ) {
    this.client = sharing.client;
    this.leaseKey = redisKey(sharing, `lease:${processId}`);
    this.openKey = redisKey(sharing, `open:${processId}`);
    this.procsKey = redisKey(sharing, "procs");
  }

  /** Take the lease now and renew it until {@link close}. */
  async start(): Promise<void> {
    this.renewal = setInterval(() => this.schedule(0), Math.max(1, this.timing.leaseMs / 3));
    this.renewal.unref?.();
    this.schedule(0);
    await this.flushing;
  }

  shown(message: OpenMessage): void {
    if (this.closed_ || message.text.trim().length === 0) return;
    const field = journalField(message.chatId, message.draftId);
    const entry = this.entries.get(field);
    const json = JSON.stringify(message);
    if (!entry) {
      this.entries.set(field, { pending: json, writtenAt: Number.NEGATIVE_INFINITY, stored: false });
      this.schedule(0);
      return;
    }
    entry.pending = json;
    this.schedule(Math.max(0, entry.writtenAt + this.timing.writeIntervalMs - Date.now()));
  }

  closed(chatId: number | string, draftId: number): void {
    const field = journalField(chatId, draftId);
    const entry = this.entries.get(field);
    this.entries.delete(field);
    if (entry?.stored) this.forget(field);
  }

  /** Delete an entry from Redis (also one this journal did not write, such as a recovered one). */
  forget(field: string): void {
    if (this.closed_) return;
    this.deletes.add(field);
    this.schedule(0);
  }

  /** Write everything pending now (whatever the interval), and wait for it. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {});
    for (;;) {
      await this.writeOnce(true);
      if (!this.hasWork(true)) return;
    }
  }

  /**
   * Stop renewing and writing: write what is pending, then give up the lease.
   * What is still open stays in Redis, for another process to recover.
   */
  async close(): Promise<void> {
    if (this.closed_) return;
    clearInterval(this.renewal);
    if (this.timer) clearTimeout(this.timer);
    await this.flush().catch(this.onError);
    this.closed_ = true;
    try {
      this.roundTrips++;
      await this.client.eval(
        RELEASE_SCRIPT,
        3,
        this.leaseKey,
        this.openKey,
        this.procsKey,
        this.processId,
      );
    } catch (error) {
      this.onError(error);
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed_) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.writeOnce(false).catch(() => {});
    }, delayMs);
    this.timer.unref?.();
  }

  private hasWork(all: boolean): boolean {
    if (this.deletes.size > 0) return true;
    const now = Date.now();
    for (const entry of this.entries.values()) {
      if (entry.pending !== undefined && (all || this.due(entry, now))) return true;
    }
    return false;
  }

  private due(entry: Entry, now: number): boolean {
    return entry.writtenAt + this.timing.writeIntervalMs <= now;
  }

  /** One write: the lease, the due entries (all pending ones with `all`), every delete. */
  private async writeOnce(all: boolean): Promise<void> {
    if (this.flushing) {
      // One write at a time; the next one picks up whatever is left.
      await this.flushing.catch(() => {});
      if (!all) this.scheduleNext();
      return;
    }
    const now = Date.now();
    const sets: string[] = [];
    const written: [Entry, string][] = [];
    for (const [field, entry] of this.entries) {
      if (entry.pending === undefined || !(all || this.due(entry, now))) continue;
      sets.push(field, entry.pending);
      written.push([entry, entry.pending]);
      entry.pending = undefined;
      entry.writtenAt = now;
      entry.stored = true;
    }
    const deletes = [...this.deletes];
    this.deletes.clear();
    const run = async () => {
      try {
        this.roundTrips++;
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
      } catch (error) {
        this.failing = true;
        // Keep what did not go out for the next write (unless newer versions came meanwhile).
        for (const [entry, json] of written) entry.pending ??= json;
        for (const field of deletes) this.deletes.add(field);
        this.onError(error);
        throw error;
      } finally {
        this.flushing = undefined;
        this.scheduleNext();
      }
    };
    this.flushing = run();
    await this.flushing;
  }

  /** Plan the next write for the earliest entry that will be due. */
  private scheduleNext(): void {
    if (this.closed_) return;
    const earliest = this.failing ? Date.now() + this.timing.writeIntervalMs : 0;
    if (this.deletes.size > 0) {
      this.schedule(Math.max(0, earliest - Date.now()));
      return;
    }
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      if (entry.pending !== undefined)
        next = Math.min(next, entry.writtenAt + this.timing.writeIntervalMs);
    }
    if (next < Number.POSITIVE_INFINITY)
      this.schedule(Math.max(0, Math.max(next, earliest) - Date.now()));
  }
}
