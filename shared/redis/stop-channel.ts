/**
 * The stop button across processes: a stop press handled by a process that
 * does not own the draft is published on the bot's `stop` channel, and the
 * process that owns it aborts the stream.
 */
import { type RedisClient, type RedisSharing, redisKey } from "./connection.js";

/** A stop press to pass on: the draft's chat, topic and draft id. */
export interface StopRequest {
  chatId: number | string;
  threadId?: number;
  draftId: number;
}

/**
 * A subscription to a bot's stop channel, on its own connection
 * (`client.duplicate()`: a subscribed connection can do nothing else).
 * That connection is the hub's, not the app's: it is closed by {@link close},
 * and also when the app's client ends (`quit()` or `disconnect()`), so an app
 * that closes its client without shutting the hub down still exits.
 */
export class StopChannel {
  private readonly channel: string;
  private subscriber: RedisClient | undefined;
  private readonly listener = (channel: string, message: string) => {
    if (channel !== this.channel) return;
    const stop = parseStop(message);
    if (stop) this.onStop(stop);
  };

  constructor(
    private readonly sharing: RedisSharing,
    /** Called for every stop press published by any process (this one included). */
    private readonly onStop: (stop: StopRequest) => void,
  ) {
    this.channel = redisKey(sharing, "stop");
  }

  /**
   * Subscribe; resolves once Redis confirmed the subscription. If Redis does
   * not answer, rejects, and keeps trying every `retryMs` until {@link close}
   * (once subscribed, ioredis resubscribes by itself after a reconnect).
   */
  async start(retryMs = 1000): Promise<void> {
    const subscriber = this.sharing.client.duplicate();
    this.subscriber = subscriber;
    this.sharing.client.on("end", this.onClientEnd);
    subscriber.on("message", this.listener);
    // A duplicate whose connection fails must not crash the app with an unhandled 'error'.
    subscriber.on("error", () => {});
    try {
      await subscriber.subscribe(this.channel);
    } catch (error) {
      const retry = setTimeout(() => {
        if (this.subscriber === subscriber) this.retrySubscribe(subscriber, retryMs);
      }, retryMs);
      retry.unref?.();
      throw error;
    }
  }

  private retrySubscribe(subscriber: RedisClient, retryMs: number): void {
    subscriber.subscribe(this.channel).catch(() => {
      const retry = setTimeout(() => {
        if (this.subscriber === subscriber) this.retrySubscribe(subscriber, retryMs);
      }, retryMs);
      retry.unref?.();
    });
  }

  /** Ask every process to stop the stream that owns this draft (one round trip). */
  async publish(stop: StopRequest): Promise<void> {
    await this.sharing.client.publish(this.channel, JSON.stringify(stop));
  }

  /**
   * Close the subscriber's connection (which ends the subscription), at once:
   * without waiting for Redis, so a Redis that is down cannot keep it
   * reconnecting, and the process alive, after the hub shut down.
   */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.sharing.client.off("end", this.onClientEnd);
    if (!subscriber) return;
    subscriber.off("message", this.listener);
    if (typeof subscriber.disconnect === "function") {
      subscriber.disconnect();
      return;
    }
    try {
      await subscriber.quit();
    } catch {
      // Already disconnected: nothing to close.
    }
  }

  /** The app closed its client: the hub's connection made from it goes too. */
  private readonly onClientEnd = () => {
    void this.close();
  };
}

function parseStop(message: string): StopRequest | undefined {
  try {
    const value = JSON.parse(message) as StopRequest;
    const chatOk = typeof value?.chatId === "number" || typeof value?.chatId === "string";
    if (!chatOk || typeof value.draftId !== "number") return undefined;
    return typeof value.threadId === "number"
      ? { chatId: value.chatId, threadId: value.threadId, draftId: value.draftId }
      : { chatId: value.chatId, draftId: value.draftId };
  } catch {
    return undefined;
  }
}
