/**
 * What the local budget asks of a budget shared with the bot's other
 * processes (the Redis budget implements it). The local budget keeps its
 * queue, priorities and pacing; before a call goes out it also reserves the
 * call in the shared history, in one round trip.
 */
import type { RateBudget } from "../limits.js";
import type { BudgetKind } from "./chat.js";

/** A call the local budget is about to grant. */
export interface SharedCall {
  /** The chat's key (its id as a string). */
  chat: string;
  kind: BudgetKind;
  /** The chat's budget of this kind, and the bot's (scaled). */
  budget: RateBudget;
  global: RateBudget;
  /** A preview keeps to the even pace; a final only to the windows. */
  paced: boolean;
  /** How much slower than normal this process paces the chat and the bot (after 429s). */
  slowdown: number;
  globalSlowdown: number;
}

/** The shared budget's answer to {@link SharedBudget.reserve}. */
export type SharedReservation =
  | {
      /** The call is recorded for every process: make it after `delayMs`. */
      granted: true;
      /** Identifies the call for {@link SharedBudget.settle}. */
      ticket: SharedTicket;
      delayMs: number;
      /** Penalties another process recorded: milliseconds left for this chat and for the bot. */
      chatPenaltyMs: number;
      botPenaltyMs: number;
    }
  | {
      /** Another process has a call to this chat in flight: ask again after `retryMs`. */
      granted: false;
      retryMs: number;
    };

/** A reserved call, for settling it (what it holds is the shared budget's business). */
export interface SharedTicket {
  readonly id: string;
}

/** A rate budget shared with the bot's other processes. */
export interface SharedBudget {
  /** Whether the other processes can be asked now; while not, the local budget paces alone, conservatively. */
  readonly reachable: boolean;
  /**
   * Whether the shared history may lack recent calls (after an outage, or when
   * Redis lost its data): the local budget then also paces at its share.
   */
  readonly recovering: boolean;
  /** How many processes used the bot recently, as last seen (at least 1). */
  readonly processes: number;
  /**
   * Reserve `call` for every process.
   * @throws when the shared budget cannot be reached (the local budget then decides alone).
   */
  reserve(call: SharedCall): Promise<SharedReservation>;
  /**
   * The reserved call's reply (or failure) came now; `made` is false for a
   * call that was never made (its caller gave up). Fire and forget.
   */
  settle(ticket: SharedTicket, made: boolean): void;
  /** Record a 429 for every process: no call to `chat` for `penaltyMs`. Fire and forget. */
  penalize(chat: string, penaltyMs: number, chatBudget: RateBudget, global: RateBudget): void;
}
