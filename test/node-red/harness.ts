/**
 * Runs streamgram's nodes on the real Node-RED runtime (through
 * node-red-node-test-helper) against the local Telegram emulator, with every
 * rate window scaled down so that a stream takes milliseconds.
 */
import { createRequire } from "node:module";
import helper, { type TestNode } from "node-red-node-test-helper";
import streamgramNodes from "../../node-red-node/streamgram.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../emulator/index.js";

const require = createRequire(import.meta.url);
helper.init(require.resolve("node-red"));

export { helper };

/** Token-shaped, so that both exact matching and pattern redaction are exercised. */
export const TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
/** Every rate window of the emulator and the hub is 50 times shorter. */
export const TIME_SCALE = 0.02;

/** A node status as Node-RED's `node.status()` takes it. */
export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

/** A Node-RED message as the tests see it. */
export type Msg = Record<string, unknown> & { payload?: unknown };

/** A running flow: streamgram node `sg` wired to helper nodes that record what it sends. */
export interface Harness {
  emulator: Emulator;
  node: TestNode;
  /** Output 1: platform updates. */
  updates: Msg[];
  /** Output 2: results. */
  results: Msg[];
  /** Output 3 (emit only): operations for the Telegram sender. */
  operations: Msg[];
  /** What the flow's Catch node received. */
  caught: Msg[];
  /** What the flow's Complete node (scoped to `sg`) received: messages whose `done` was called without error. */
  completed: Msg[];
  /** Everything the recording helper nodes received, in arrival order, with the receiving node's id. */
  arrivals: Array<{ at: string; msg: Msg }>;
  /** Every status the streamgram node has shown so far, in order. */
  statuses(): NodeStatus[];
  /** The first argument of every call the streamgram node made to `warn`, `log` or `error`, in order. */
  calls(method: "warn" | "log" | "error"): unknown[];
  /** Hand `msg` to the streamgram node's input. */
  send(msg: Msg): void;
}

export interface HarnessOptions {
  /** Properties of the `streamgram-bot` config node, over the test defaults. */
  bot?: Record<string, unknown>;
  /** Properties of the `streamgram` node, over the defaults. */
  node?: Record<string, unknown>;
  /** More nodes for the flow (put them on tab "f1"). */
  extraNodes?: Array<Record<string, unknown>>;
  /** More node modules to load (e.g. Node-RED's function node). */
  extraTypes?: unknown[];
  /** Emulator options; default scaled limits. */
  emulator?: EmulatorOptions;
  /** Credentials of the bot config node; default the test token. */
  credentials?: Record<string, string>;
  /** The emulator to use instead of a new one. */
  reuse?: Emulator;
  /** The node module to load instead of the TypeScript source, e.g. the built bundle. */
  nodeModule?: unknown;
}

/** The flow the harness loads, for tests that inspect it. */
export function harnessFlow(
  apiRoot: string,
  options: HarnessOptions = {},
): Array<Record<string, unknown>> {
  const emitOnly = options.node?.delivery === "emit";
  // Nodes with a position are flow nodes; without one Node-RED would take them for config nodes.
  const at = { x: 100, y: 100 };
  return [
    { id: "f1", type: "tab", label: "streamgram test" },
    {
      id: "bot",
      type: "streamgram-bot",
      name: "test bot",
      apiRoot,
      transport: "auto",
      cursor: " ▉",
      format: "markdown",
      timeScale: TIME_SCALE,
      ...options.bot,
    },
    {
      id: "sg",
      type: "streamgram",
      z: "f1",
      ...at,
      name: "",
      bot: "bot",
      delivery: "api",
      idleTimeout: 120,
      ackTimeout: 10,
      outputs: emitOnly ? 3 : 2,
      wires: emitOnly ? [["updates"], ["results"], ["operations"]] : [["updates"], ["results"]],
      ...options.node,
    },
    { id: "updates", type: "helper", z: "f1", ...at },
    { id: "results", type: "helper", z: "f1", ...at },
    { id: "operations", type: "helper", z: "f1", ...at },
    {
      id: "catcher",
      type: "catch",
      z: "f1",
      name: "",
      scope: null,
      uncaught: false,
      wires: [["caught"]],
      ...at,
    },
    { id: "caught", type: "helper", z: "f1", ...at },
    {
      id: "completer",
      type: "complete",
      z: "f1",
      name: "",
      scope: ["sg"],
      uncaught: false,
      wires: [["completed"]],
      ...at,
    },
    { id: "completed", type: "helper", z: "f1", ...at },
    ...(options.extraNodes ?? []),
  ];
}

/** Start the emulator (unless reused) and load the flow. Call {@link unloadHarness} after each test. */
export async function loadHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulator =
    options.reuse ?? (await startEmulator({ timeScale: TIME_SCALE, ...options.emulator }));
  current = emulator;
  await helper.load(
    [options.nodeModule ?? streamgramNodes, ...(options.extraTypes ?? [])],
    harnessFlow(emulator.apiRoot, options),
    {
      bot: options.credentials ?? { token: TOKEN },
    },
  );
  const arrivals: Harness["arrivals"] = [];
  const recorder = (id: string): Msg[] => {
    const received: Msg[] = [];
    helper.getNode(id).on("input", (msg: Msg) => {
      received.push(msg);
      arrivals.push({ at: id, msg });
    });
    return received;
  };
  const node = helper.getNode("sg");
  return {
    emulator,
    node,
    updates: recorder("updates"),
    results: recorder("results"),
    operations: recorder("operations"),
    caught: recorder("caught"),
    completed: recorder("completed"),
    arrivals,
    statuses: () => callsOf("status") as NodeStatus[],
    calls: callsOf,
    send: (msg) => node.receive(msg),
  };
}

let current: Emulator | undefined;

/**
 * The first argument of every call node "sg" made to a Node method. The helper
 * spies on Node.prototype's methods (sinon), so calls made while the node
 * started are included; valid until the flow is unloaded.
 */
function callsOf(method: "status" | "warn" | "log" | "error"): unknown[] {
  return helper._NodePrototype[method]
    .getCalls()
    .filter((call) => call.thisValue.id === "sg")
    .map((call) => call.args[0]);
}

/** Stop the flow (closing every node) and the emulator. */
export async function unloadHarness(): Promise<void> {
  await helper.unload();
  await current?.close();
  current = undefined;
}

/** Resolve with `probe()`'s first truthy value, polling every 5 ms; reject after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The texts the user of `chatId` sees now, one per message. */
export function visibleTexts(emulator: Emulator, chatId: number, threadId?: number): string[] {
  return emulator
    .visibleMessages(chatId, threadId)
    .map((m) => m.versions[m.versions.length - 1]?.text ?? "");
}
