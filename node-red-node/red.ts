/**
 * The part of Node-RED's runtime API that streamgram's nodes use, typed here
 * because Node-RED ships no TypeScript declarations. Types only: nothing in
 * this file exists at run time.
 */

/** A Node-RED message: any object; `payload` and `_msgid` by convention. */
export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  [key: string]: unknown;
}

/** What `node.status()` accepts; `{}` clears the status. */
export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

/** A node's configuration from the flow JSON. */
export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

/** One message per output; `null` leaves an output silent. */
export type NodeOutput = NodeMessage | null | Array<NodeMessage | null>;

/** The `send` passed to input handlers (Node-RED 1.0+). */
export type SendFunction = (output: NodeOutput) => void;

/** The `done` passed to input handlers: call once; an error goes to Catch nodes with the msg. */
export type DoneFunction = (error?: unknown) => void;

/** A running node, as `RED.nodes.createNode` prepares it. */
export interface Node {
  readonly id: string;
  readonly type: string;
  readonly name?: string;
  /** Decrypted credentials, present when the node type declares some. */
  credentials?: Record<string, string | undefined>;
  on(
    event: "input",
    listener: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void,
  ): void;
  on(event: "close", listener: (removed: boolean, done: () => void) => void): void;
  send(output: NodeOutput): void;
  status(status: NodeStatus): void;
  /** Logs, and with `msg` hands the error to Catch nodes. */
  error(error: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
}

/** The `RED` object a node module's exported function receives. */
export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    registerType(
      type: string,
      nodeConstructor: (this: Node, def: NodeDef) => void,
      options?: { credentials?: Record<string, { type: "text" | "password" }> },
    ): void;
    getNode(id: string): Node | null;
  };
}
