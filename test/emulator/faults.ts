/**
 * Injected faults waiting for the call they will hit.
 */

import type { Fault } from "./types.js";

interface PendingFault {
  fault: Fault;
  /** Matching calls seen since the fault was injected. */
  seen: number;
  nth: number;
}

/** The kind of a fault, as recorded in {@link CallRecord.fault}. */
export type FaultKind = "error" | "reset" | "delay" | "hang" | "resetAfterApply";

/** Which kind of fault this is. */
export function faultKind(fault: Fault): FaultKind {
  if ("error" in fault) return "error";
  if ("reset" in fault) return "reset";
  if ("delayMs" in fault) return "delay";
  if ("hang" in fault) return "hang";
  return "resetAfterApply";
}

/** Faults in the order injected; each fires once, on the `nth` call matching it. */
export class FaultQueue {
  private pending: PendingFault[] = [];

  /**
   * Add a fault.
   * @throws TypeError/RangeError when it is malformed.
   */
  add(fault: Fault): void {
    if (typeof fault !== "object" || fault === null || typeof fault.method !== "string") {
      throw new TypeError("a fault needs a method name");
    }
    const nth = fault.nth ?? 1;
    if (!Number.isInteger(nth) || nth < 1) {
      throw new RangeError(`fault nth must be a whole number >= 1, got ${fault.nth}`);
    }
    const kinds = ["error", "reset", "delayMs", "hang", "resetAfterApply"].filter(
      (k) => k in fault,
    );
    if (kinds.length !== 1) {
      throw new TypeError(
        "a fault needs exactly one of error, reset, delayMs, hang, resetAfterApply",
      );
    }
    if ("delayMs" in fault && (!Number.isFinite(fault.delayMs) || fault.delayMs < 0)) {
      throw new RangeError(`fault delayMs must be a number >= 0, got ${fault.delayMs}`);
    }
    if ("error" in fault) {
      const { code, description } = fault.error ?? {};
      if (!Number.isInteger(code) || (code as number) < 400 || typeof description !== "string") {
        throw new TypeError("a fault error needs a code >= 400 and a description");
      }
    }
    this.pending.push({ fault, seen: 0, nth });
  }

  clear(): void {
    this.pending = [];
  }

  /**
   * Count one call against every matching fault and return the fault that
   * fires on it, if any (the earliest injected wins; it is then removed).
   */
  take(method: string, chatId: number | undefined): Fault | undefined {
    let fired: PendingFault | undefined;
    for (const pending of this.pending) {
      const { fault } = pending;
      if (fault.method !== method) continue;
      if (fault.chatId !== undefined && fault.chatId !== chatId) continue;
      pending.seen++;
      // A fault passed over because an earlier one fired takes the next matching call.
      if (!fired && pending.seen >= pending.nth) fired = pending;
    }
    if (!fired) return undefined;
    this.pending = this.pending.filter((p) => p !== fired);
    return fired.fault;
  }
}
