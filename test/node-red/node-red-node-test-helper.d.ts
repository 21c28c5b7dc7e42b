/** The parts of node-red-node-test-helper (which ships no types) that streamgram's tests use. */
declare module "node-red-node-test-helper" {
  interface TestHelper {
    init(runtimePath?: string, userSettings?: Record<string, unknown>): void;
    settings(userSettings?: Record<string, unknown>): Record<string, unknown>;
    load(
      nodes: unknown | unknown[],
      flow: Array<Record<string, unknown>>,
      credentials?: Record<string, Record<string, string>>,
    ): Promise<void>;
    unload(): Promise<void>;
    /** Deploy `flow` to the running runtime, as the editor's Deploy button does. */
    setFlows(
      flow: Array<Record<string, unknown>>,
      type?: "full" | "flows" | "nodes",
      credentials?: Record<string, Record<string, string>>,
    ): Promise<void>;
    getNode(id: string): TestNode;
    /** The spy on Node-RED's log (sinon): `.getCalls()`; valid between load and unload. */
    log(): { getCalls(): Array<{ args: unknown[] }> };
    /** Node.prototype with the helper's sinon spies on log, status, warn, error, debug, trace and send (internal). */
    _NodePrototype: Record<
      "status" | "warn" | "log" | "error" | "send",
      { getCalls(): Array<{ thisValue: { id: string }; args: unknown[] }> }
    >;
    /** Node-RED's runtime node registry (internal). */
    _redNodes: { getFlows(): { flows: unknown[]; credentials?: unknown } };
  }
  export interface TestNode {
    id: string;
    receive(msg: Record<string, unknown>): void;
    /** Node-RED's `node.error(err, msg)`: logs and hands `msg` to Catch nodes. */
    error(error: unknown, msg?: Record<string, unknown>): void;
    on(event: string, listener: (...args: never[]) => void): void;
    credentials?: Record<string, string>;
  }
  const helper: TestHelper;
  export default helper;
}
