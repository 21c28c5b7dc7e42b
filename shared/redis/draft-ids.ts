/**
 * Draft ids unique across a bot's processes: blocks of ids taken from one
 * Redis counter per bot, so two processes never animate each other's draft.
 */
import { type RedisSharing, redisKey, redisScript, runScript } from "./connection.js";

/** Ids from Redis are 1..2^30; ids made without Redis lie above, so the two never meet. */
const SHARED_RANGE = 2 ** 30;
/** How many ids one round trip takes. */
const BLOCK = 1024;

const TAKE_BLOCK = redisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

/**
 * Hands out draft ids: positive 31-bit integers, unique among every process
 * that shares the bot's Redis. Ids come from a block of {@link BLOCK} taken
 * with one `INCRBY`; the next block is fetched when a quarter is left. While
 * no block is at hand (Redis away, or the first one still coming), ids come
 * from a process-local counter with a random start in the upper half of the
 * range, which Redis's ids never reach.
 */
export class SharedDraftIds {
  private next = 0;
  private end = 0;
  private fetching = false;
  private local = SHARED_RANGE + Math.floor(Math.random() * (SHARED_RANGE - 1));

  constructor(
    private readonly sharing: RedisSharing,
    private readonly timeoutMs: number,
    /** Counts the round trips (the budget's stats). */
    private readonly onRoundTrip: () => void = () => {},
  ) {
    this.refill();
  }

  /** The next draft id. */
  take(): number {
    if (this.end - this.next <= BLOCK / 4) this.refill();
    if (this.next < this.end) return ((this.next++ - 1) % SHARED_RANGE) + 1;
    this.local = this.local >= 2 ** 31 - 1 ? SHARED_RANGE + 1 : this.local + 1;
    return this.local;
  }

  private refill(): void {
    if (this.fetching) return;
    this.fetching = true;
    this.onRoundTrip();
    runScript(
      this.sharing.client,
      TAKE_BLOCK,
      [redisKey(this.sharing, "draft-ids")],
      [BLOCK],
      this.timeoutMs,
    )
      .then((last) => {
        const end = Number(last) + 1;
        // Keep what is left of the current block only if the new one does not follow it.
        this.next = end - BLOCK;
        this.end = end;
      })
      .catch(() => {})
      .finally(() => {
        this.fetching = false;
      });
  }
}
