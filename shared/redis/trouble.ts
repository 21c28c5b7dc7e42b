/**
 * How a hub tells the app about Redis trouble: one warning per outage for the
 * whole hub, whichever of its parts (the budget, the journal, recovery, the
 * stop channel) notices first, and a warning for each other kind of failure.
 */
import { RedisUnavailableError } from "./connection.js";

/** Where streamgram reports trouble that does not fail a stream. */
export interface Logger {
  warn(message: string): void;
}

/** Messages of failures that mean "Redis cannot be reached" rather than "Redis refused". */
const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|max retries|Stream isn't writeable|LOADING/i;

/** At most this many distinct failures other than outages are logged, each once. */
const OTHER_FAILURES_LOGGED = 20;

/** Whether `error` says that Redis could not be reached (or did not answer in time). */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof RedisUnavailableError) return true;
  const name = (error as Error)?.name;
  if (name === "MaxRetriesPerRequestError") return true;
  return UNREACHABLE.test(String((error as Error)?.message ?? error));
}

/**
 * The Redis trouble of one hub. An outage starts with the first failure to
 * reach Redis (logged once, with `outageMessage`) and ends when Redis
 * answers a command asked after it started; the next failure after that is a
 * new outage, logged again. A failure of a command asked before the latest
 * answered one is stale and ignored. A failure that is not an outage (Redis
 * answered with an error: permissions, out of memory, a read-only replica)
 * is logged on its own, once per distinct message, even during an outage.
 *
 * Times are `performance.now()`, taken by the caller when it sent the command.
 */
export class RedisTrouble {
  /** When the current outage was noticed, or undefined while Redis answers. */
  private outageSince: number | undefined;
  /** The latest ask time of a command Redis answered. */
  private lastAnswered = Number.NEGATIVE_INFINITY;
  private readonly otherFailures = new Set<string>();
  /** Outages noticed so far. */
  outages = 0;

  constructor(
    private readonly logger: Logger,
    /** The warning of an outage, given what failed (never holds a token: the core has none). */
    private readonly outageMessage: (reason: string) => string,
  ) {}

  /** Whether an outage is under way (no command asked since it began was answered yet). */
  get down(): boolean {
    return this.outageSince !== undefined;
  }

  /** A command sent at `askedAt` failed with `error`. */
  failed(error: unknown, askedAt: number): void {
    const reason = String((error as Error)?.message ?? error);
    if (!isUnreachable(error)) {
      if (this.otherFailures.has(reason) || this.otherFailures.size >= OTHER_FAILURES_LOGGED)
        return;
      this.otherFailures.add(reason);
      this.logger.warn(
        `streamgram: Redis refused a command (${reason}); streams go on, but what needed it (the shared budget, stop presses from other processes or crash recovery) did not happen`,
      );
      return;
    }
    if (this.outageSince !== undefined || askedAt <= this.lastAnswered) return;
    this.outageSince = performance.now();
    this.outages++;
    this.logger.warn(this.outageMessage(reason));
  }

  /** A command sent at `askedAt` was answered: an outage that began before it is over. */
  answered(askedAt: number): void {
    if (askedAt > this.lastAnswered) this.lastAnswered = askedAt;
    if (this.outageSince !== undefined && askedAt >= this.outageSince) this.outageSince = undefined;
  }
}

/** The logger of `logger`, or `console`'s warnings. */
export function warningsTo(logger: Logger | undefined): Logger {
  return logger ?? { warn: (message) => console.warn(message) };
}
