/**
 * The update queue behind `getUpdates`, with long polling, `offset`
 * confirmation and `allowed_updates` filtering as the Bot API does them.
 *
 * One queue per emulator: use one polling bot per emulator.
 */

import { ApiError } from "./errors.js";
import type { Update } from "./types.js";

/** Update types delivered when `allowed_updates` is empty or was never set. */
const OPT_IN_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** The kind of an update: its one field besides `update_id`. */
function updateType(update: Update): string {
  return Object.keys(update).find((key) => key !== "update_id") ?? "";
}

/** What one `getUpdates` call asks for. */
export interface PollRequest {
  offset?: number;
  /** 1-100; default 100. */
  limit?: number;
  /** Real milliseconds to wait for an update when none is queued. */
  timeoutMs: number;
  /** When given, replaces the remembered filter (`[]` means the default set). */
  allowedUpdates?: string[];
  /** Aborts the wait when the client goes away. */
  signal?: AbortSignal;
}

interface Waiter {
  wake: () => void;
  fail: (error: ApiError) => void;
}

/** Updates waiting to be fetched and confirmed. */
export class UpdateQueue {
  private updates: Update[] = [];
  private nextUpdateId = 1;
  private allowed: Set<string> | undefined;
  private waiter: Waiter | undefined;
  private closed = false;
  private readonly pushListeners = new Set<() => void>();

  /** Queue an update, assigning the next `update_id`, and wake a waiting poll (or webhook). */
  push(update: Omit<Update, "update_id">): Update {
    const full = { update_id: this.nextUpdateId++, ...update } as Update;
    this.updates.push(full);
    this.waiter?.wake();
    for (const listener of this.pushListeners) listener();
    return full;
  }

  /** Call `listener` on every push until the returned function is called. */
  onPush(listener: () => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** The oldest pending update the bot asked for (webhook delivery), if any. */
  first(): Update | undefined {
    return this.available()[0];
  }

  /** Confirm one update: a webhook answered it with 2xx. */
  remove(updateId: number): void {
    this.updates = this.updates.filter((u) => u.update_id !== updateId);
  }

  /** How many pending updates the bot asked for (`pending_update_count`). */
  get pendingCount(): number {
    return this.available().length;
  }

  /** Replace the remembered `allowed_updates` (`[]`: the default set), as `setWebhook` does. */
  setAllowedUpdates(allowed: string[]): void {
    this.allowed = allowed.length > 0 ? new Set(allowed) : undefined;
  }

  /** Forget every pending update (`deleteWebhook` with `drop_pending_updates`). */
  dropPending(): void {
    this.updates = [];
  }

  /**
   * Answer one `getUpdates`: confirm updates below `offset`, then return the
   * pending ones at once or wait up to `timeoutMs` for one. A newer poll
   * terminates an older one with 409 Conflict, as Telegram does.
   */
  async poll(request: PollRequest): Promise<Update[]> {
    if (request.allowedUpdates !== undefined) {
      this.allowed =
        request.allowedUpdates.length > 0 ? new Set(request.allowedUpdates) : undefined;
    }
    this.confirm(request.offset);
    const limit = Math.min(100, Math.max(1, request.limit ?? 100));

    this.waiter?.fail(
      new ApiError(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      ),
    );
    this.waiter = undefined;

    if (this.available().length > 0 || request.timeoutMs <= 0 || this.closed) {
      return this.available().slice(0, limit);
    }

    await new Promise<void>((resolve, reject) => {
      const stopWaiting = () => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", waiter.wake);
        if (this.waiter === waiter) this.waiter = undefined;
      };
      const waiter: Waiter = {
        wake: () => {
          stopWaiting();
          resolve();
        },
        fail: (error) => {
          stopWaiting();
          reject(error);
        },
      };
      const timer = setTimeout(waiter.wake, request.timeoutMs);
      request.signal?.addEventListener("abort", waiter.wake);
      this.waiter = waiter;
    });
    return this.available().slice(0, limit);
  }

  /** Wake a waiting poll (it answers with what is queued) and answer later polls at once. */
  close(): void {
    this.closed = true;
    this.waiter?.wake();
  }

  /** Drop updates the bot confirmed: those below `offset`, or all but the last `-offset`. */
  private confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset > 0) {
      this.updates = this.updates.filter((u) => u.update_id >= offset);
    } else {
      this.updates = this.updates.slice(offset);
    }
  }

  /** Pending updates the bot asked for; updates of other types are dropped, as Telegram does. */
  private available(): Update[] {
    this.updates = this.updates.filter((u) => {
      const type = updateType(u);
      return this.allowed ? this.allowed.has(type) : !OPT_IN_TYPES.has(type);
    });
    return this.updates;
  }
}
