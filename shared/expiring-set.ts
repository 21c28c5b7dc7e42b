/**
 * A set of strings that forgets: each entry expires `ttlMs` after it was last
 * added, and past `capacity` entries the least recently added goes first. For
 * per-chat memories of a long-running bot that must not grow without bound.
 */
export class ExpiringSet {
  /** Entry -> expiry time, in the order entries were last added (oldest first). */
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  }

  /** Add (or refresh) `key`: it is remembered for the next `ttlMs`. */
  add(key: string): void {
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, now + this.ttlMs);
    // Oldest first: expired entries and any past the capacity sit at the front.
    for (const [oldest, expires] of this.entries) {
      if (expires > now && this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  /** Whether `key` was added within the last `ttlMs` (and not pushed out since). */
  has(key: string): boolean {
    const expires = this.entries.get(key);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.entries.delete(key);
    return false;
  }

  /** Forget `key`. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** How many entries are remembered, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }
}
