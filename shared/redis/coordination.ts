/**
 * What several processes of one bot coordinate through Redis besides the
 * budget: the stop button (pub/sub), and crash recovery (a lease per process,
 * a journal of open messages, survivors that finish a dead process's messages).
 */
import type { StreamHub } from "../hub.js";
import type { RedisSharing } from "./connection.js";
import { OpenMessageLog } from "./open-messages.js";
import { claimOrphans, finishInterrupted, interruptedText } from "./recovery.js";
import { StopChannel, type StopRequest } from "./stop-channel.js";
import type { RedisTrouble } from "./trouble.js";

/** Settings of a {@link RedisCoordination}, in real milliseconds (already scaled). */
export interface CoordinationSettings {
  /** This process's id, unique per process start (its lease is `lease:<id>`). */
  processId: string;
  /** Appended to an interrupted message when recovery finishes it. */
  interruptedNote: string;
  /** The cursor streams show, stripped by recovery when an entry names none. */
  defaultCursor: string;
  /** A process whose lease is not renewed for this long is taken for dead. */
  leaseMs: number;
  /** How often every process looks for dead processes' messages. */
  scanIntervalMs: number;
  /** A message's journal entry is written at most this often. */
  writeIntervalMs: number;
}

/**
 * The coordination of one hub with the other processes of its bot. Created
 * by the hub when it is given `redis`; starts at once (lease, subscription,
 * a first look for orphaned messages) and ends with {@link close}, or when
 * the app's client ends (then without a word to Redis: the lease runs out).
 * Failures are reported to the hub's `trouble` (one warning per outage).
 */
export class RedisCoordination {
  /** This process's journal: the hub's `journal`. */
  readonly journal: OpenMessageLog;
  /** Resolves when the lease is taken and the stop channel is subscribed. */
  readonly ready: Promise<void>;
  private readonly stops: StopChannel;
  private scanTimer: ReturnType<typeof setInterval> | undefined;
  private scanning: Promise<void> | undefined;
  private readonly recoveries = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly hub: StreamHub,
    private readonly sharing: RedisSharing,
    private readonly settings: CoordinationSettings,
    private readonly trouble: RedisTrouble,
  ) {
    this.journal = new OpenMessageLog(
      sharing,
      settings.processId,
      { leaseMs: settings.leaseMs, writeIntervalMs: settings.writeIntervalMs },
      trouble,
    );
    this.stops = new StopChannel(sharing, (stop) =>
      hub.stopLocal(stop.chatId, stop.draftId, stop.threadId),
    );
    sharing.client.on("end", this.onClientEnd);
    this.ready = this.start();
    // Reported already (to `trouble`) by the part that failed.
    this.ready.catch(() => {});
  }

  private async start(): Promise<void> {
    this.scanTimer = setInterval(() => this.scan(), this.settings.scanIntervalMs);
    this.scanTimer.unref?.();
    await Promise.all([this.journal.start(), this.tracked(() => this.stops.start())]);
    this.scan();
  }

  /** Run one exchange with Redis and tell `trouble` how it went. */
  private async tracked<T>(exchange: () => Promise<T>): Promise<T> {
    const askedAt = performance.now();
    try {
      const result = await exchange();
      this.trouble.answered(askedAt);
      return result;
    } catch (error) {
      this.trouble.failed(error, askedAt);
      throw error;
    }
  }

  /** Ask the other processes to stop the stream that owns this draft. Never throws. */
  publishStop(stop: StopRequest): void {
    void this.tracked(() => this.stops.publish(stop)).catch(() => {});
  }

  /**
   * Look once for dead processes and finish their open messages (in the
   * background). Does nothing while a look is already running.
   */
  scan(): void {
    if (this.scanning || this.closing) return;
    this.scanning = this.claimAndRecover()
      .catch(() => {})
      .finally(() => {
        this.scanning = undefined;
      });
  }

  private async claimAndRecover(): Promise<void> {
    const claimed = await this.tracked(() =>
      claimOrphans(this.sharing, this.journal.processId, this.settings.leaseMs),
    );
    for (const { field, message } of claimed) {
      const text = interruptedText(
        message,
        this.settings.defaultCursor,
        this.settings.interruptedNote,
        this.hub.textLimit,
      );
      const recovery = finishInterrupted(this.hub, message, text).then(() =>
        this.journal.forget(field),
      );
      this.recoveries.add(recovery);
      void recovery.finally(() => this.recoveries.delete(recovery));
    }
  }

  /**
   * Stop looking for orphans, wait for the recoveries under way, close the stop channel,
   * write the journal and give up the lease: what is still open is left for
   * another process (or this one, restarted) to recover.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.sharing.client.off("end", this.onClientEnd);
    clearInterval(this.scanTimer);
    await this.ready.catch(() => {});
    await this.scanning;
    await Promise.allSettled([...this.recoveries]);
    await this.stops.close();
    await this.journal.close();
  }

  /**
   * The app closed its client without shutting the hub down: stop looking
   * for orphans and writing the journal (each would only fail now), and
   * close the stop channel's connection (the stop channel does), so nothing
   * of the hub keeps the process alive.
   */
  private readonly onClientEnd = () => {
    if (this.closing) return;
    this.closing = true;
    this.sharing.client.off("end", this.onClientEnd);
    clearInterval(this.scanTimer);
    this.journal.halt();
  };
}
