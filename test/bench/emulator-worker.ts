/**
 * The benchmark's emulator in a worker thread: answers requests from
 * `emulator-host.ts` over the worker's message port.
 */

import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { type Emulator, type EmulatorOptions, startEmulator } from "../emulator/index.js";
import { statsOf } from "./emulator-host.js";

/** What the host asks. */
export type WorkerRequest =
  | { op: "start" }
  | { op: "now" }
  | { op: "timelines"; chatIds: number[] }
  | { op: "callStats"; botId: number }
  | { op: "loopDelay" }
  | { op: "close" };

/** The answer to request `id`. */
export type WorkerReply = { id: number; value: unknown } | { id: number; error: string };

const port = parentPort;
if (port) {
  let emulator: Emulator | undefined;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();

  const handle = async (request: WorkerRequest): Promise<unknown> => {
    if (request.op === "start") {
      emulator = await startEmulator(workerData as EmulatorOptions);
      return emulator.apiRoot;
    }
    if (request.op === "now") return performance.now();
    if (request.op === "loopDelay")
      return { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    if (!emulator) throw new Error(`"${request.op}" before "start"`);
    switch (request.op) {
      case "timelines":
        return request.chatIds.map((id) => emulator?.timeline(id));
      case "callStats":
        return statsOf(emulator.calls.filter((c) => c.token === String(request.botId)));
      case "close":
        delay.disable();
        await emulator.close();
        return undefined;
    }
  };

  port.on("message", ({ id, request }: { id: number; request: WorkerRequest }) => {
    handle(request).then(
      (value) => port.postMessage({ id, value } satisfies WorkerReply),
      (error: unknown) =>
        port.postMessage({
          id,
          error: String((error as Error)?.message ?? error),
        } satisfies WorkerReply),
    );
  });
}
