/**
 * The `streamgram` node: streams the LLM output arriving as messages into
 * Telegram chats, live, through its bot config node's shared hub, or in
 * "emit only" mode hands every Bot API operation to a Telegram sender node.
 *
 * Outputs: 1. one msg per platform update; 2. one msg per finished stream
 * with its `StreamResult`; 3. (emit only) the operations for the sender node.
 */
import { StreamDeliveryError } from "../shared/errors.js";
import { StreamHub } from "../shared/hub.js";
import type { PlatformUpdate } from "../shared/options.js";
import { stoppedGenerationOf } from "../shared/stopped-generation.js";
import {
  type BotConfig,
  type BotSettings,
  DEFAULT_BOT_SETTINGS,
  findBotConfig,
} from "./bot-config.js";
import { EmitOnlyApi, readAcknowledgement, SENDER_TEXT_LIMIT } from "./emit-only-api.js";
import { readStreamInput } from "./input.js";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./red.js";
import { scrubError } from "./secrets.js";
import { describeStatus, type StatusState } from "./status.js";
import { StatusThrottle } from "./status-throttle.js";
import { type StreamOutcome, StreamTable, type TrackedStream } from "./stream-table.js";

/** The node's type name. */
export const STREAM_NODE_TYPE = "streamgram";

/**
 * How long a stream may still take to persist its text when the node closes:
 * Node-RED gives a node 15 s to close, so a final held by a long rate-limit
 * penalty or a dead network fails (with its undelivered text) before that.
 */
const CLOSE_FINAL_WAIT_MS = 10_000;

/** How a streamgram node delivers: `api` calls the Bot API itself, `emit` hands operations to a sender node. */
export type Delivery = "api" | "emit";

/** The node's properties in the flow JSON. */
export interface StreamNodeDef extends NodeDef {
  /** Id of the `streamgram-bot` config node; optional in emit-only mode. */
  bot?: string;
  delivery?: Delivery;
  /** Seconds without a message after which a stream is finished as if `done` arrived. Default 120. */
  idleTimeout?: number | string;
  /** Emit only: seconds to wait for the sender's acknowledgement of each operation. Default 10. */
  ackTimeout?: number | string;
}

/** The checked settings of a streamgram node. */
export interface StreamNodeSettings {
  delivery: Delivery;
  idleTimeoutMs: number;
  ackTimeoutMs: number;
}

/**
 * Read and check a streamgram node's properties; empty fields take their defaults.
 * @throws TypeError or RangeError naming the wrong field.
 */
export function readStreamNodeSettings(def: StreamNodeDef): StreamNodeSettings {
  const delivery = def.delivery || "api";
  if (delivery !== "api" && delivery !== "emit") {
    throw new TypeError(`streamgram: delivery must be "api" or "emit", got "${String(delivery)}"`);
  }
  return {
    delivery,
    idleTimeoutMs: seconds("idle timeout", def.idleTimeout, 120) * 1000,
    ackTimeoutMs: seconds("acknowledgement timeout", def.ackTimeout, 10) * 1000,
  };
}

function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const number = Number(value);
  if (!(Number.isFinite(number) && number > 0)) {
    throw new RangeError(
      `streamgram: ${name} must be a number of seconds above 0, got "${String(value)}"`,
    );
  }
  return number;
}

/** The update msg sent on output 1 for `update`. */
export function updateMessage(streamId: string, update: PlatformUpdate): NodeMessage {
  const payload: Record<string, unknown> = { action: update.action, chatId: update.chatId };
  // A draft has no message id yet.
  if (update.messageId !== undefined) payload.messageId = update.messageId;
  payload.text = update.text;
  payload.entities = update.entities;
  if (update.threadId !== undefined) payload.threadId = update.threadId;
  if (update.draftId !== undefined) payload.draftId = update.draftId;
  return { payload, streamId };
}

/** Register the `streamgram` node type. */
export function registerStreamNode(RED: NodeAPI): void {
  function StreamNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = findBotConfig(RED, (def as StreamNodeDef).bot);
    const token = config?.token;
    const state: StatusState = { active: 0 };
    // Every message changes the state; the editors are told at most a few times a second.
    const status = new StatusThrottle({ show: (shown) => node.status(shown) });
    const showStatus = (): void => status.update(describeStatus(state));
    let closing = false;

    let setup: {
      settings: StreamNodeSettings;
      hub: () => StreamHub;
      emitApi: EmitOnlyApi | undefined;
    };
    try {
      setup = prepare(node, readStreamNodeSettings(def as StreamNodeDef), config, () => {
        state.awaitingAck = setup.emitApi?.waiting;
        showStatus();
      });
    } catch (error) {
      const problem = scrubError(error, token) as Error;
      state.problem = problem.message;
      showStatus();
      node.on("input", (_msg, _send, done) => done(problem));
      node.on("close", (_removed, done) => {
        status.stop();
        done();
      });
      return;
    }
    // The bot's getMe check (api delivery only: emit-only nodes do not call the Bot API).
    const unwatch =
      setup.settings.delivery === "api"
        ? config?.check()?.watch((check) => {
            state.bot = check;
            showStatus();
          })
        : undefined;

    const table = new StreamTable({
      hub: setup.hub,
      idleTimeoutMs: setup.settings.idleTimeoutMs,
      onUpdate(stream, update) {
        state.lastAction = update.action;
        state.awaitingAck = setup.emitApi?.waiting;
        node.send([updateMessage(stream.streamId, update), null]);
        showStatus();
      },
      onSettled(stream, outcome, msgDone) {
        state.active = table.running;
        state.lastOutcome = outcome.ok
          ? { ok: true, messages: outcome.result.messages.length }
          : { ok: false, reason: failureReason(outcome.error) };
        report(node, stream, outcome, msgDone, { token, closing });
        showStatus();
      },
      onIdle(stream) {
        node.log(
          `stream "${stream.streamId}" received nothing for ${setup.settings.idleTimeoutMs / 1000} s; finishing it`,
        );
      },
    });

    node.on("input", (msg, _send, done) => {
      const ack = readAcknowledgement(msg);
      if (ack) {
        if (!setup.emitApi)
          node.warn(
            "streamgram: got a sender acknowledgement, but delivery is not emit-only; ignored",
          );
        else if (!setup.emitApi.acknowledge(ack)) {
          node.warn(
            `streamgram: acknowledgement of operation ${ack.operationId} came too late (or is not ours); ignored`,
          );
        }
        state.awaitingAck = setup.emitApi?.waiting;
        showStatus();
        done();
        return;
      }
      const stopped = stoppedGenerationOf(msg.payload);
      if (stopped) {
        // The user pressed stop on a draft. A press for a stream that already finished changes nothing.
        setup.hub().stop(stopped.chatId, stopped.draftId, stopped.threadId);
        done();
        return;
      }
      try {
        table.handle(readStreamInput(msg), msg, done);
      } catch (error) {
        done(scrubError(error, token));
      }
      state.active = table.running;
      showStatus();
    });

    node.on("close", (_removed, done) => {
      closing = true;
      unwatch?.();
      setup.emitApi?.stopWaiting();
      const closed = (): void => {
        status.stop();
        node.status({});
        done();
      };
      table.closeAll(CLOSE_FINAL_WAIT_MS).then(closed, closed);
    });
  }
  RED.nodes.registerType(STREAM_NODE_TYPE, StreamNode);
}

/** Work out the hub the node streams through. @throws when the node cannot work as configured. */
function prepare(
  node: Node,
  settings: StreamNodeSettings,
  config: BotConfig | undefined,
  onAckChange: () => void,
): { settings: StreamNodeSettings; hub: () => StreamHub; emitApi: EmitOnlyApi | undefined } {
  if (settings.delivery === "api") {
    if (!config)
      throw new Error("streamgram: no bot configured; choose or add a bot in the node's settings");
    if (config.settings instanceof Error) throw config.settings;
    if (!config.token)
      throw new Error("streamgram: the bot has no token; open the bot configuration and enter it");
    return { settings, hub: () => config.hub(), emitApi: undefined };
  }
  const bot: BotSettings = config === undefined ? DEFAULT_BOT_SETTINGS : unwrap(config.settings);
  let warned = false;
  const emitApi = new EmitOnlyApi({
    ackTimeoutMs: settings.ackTimeoutMs,
    operationPrefix: node.id,
    emit: (msg) => {
      node.send([null, null, msg]);
      onAckChange();
    },
    onUnacknowledged: (method, waitedMs) => {
      if (!warned) {
        node.warn(
          `streamgram: the sender did not acknowledge ${method} within ${Math.round(waitedMs)} ms. ` +
            "Wire the Telegram sender node's output back into streamgram so that message ids are known.",
        );
      }
      warned = true;
    },
  });
  // Its own hub: emit-only operations pass through this node's sender, not the bot's direct connection.
  // The sender node cannot show drafts and cuts longer texts, so: edits, at most 4000 characters.
  const hub = new StreamHub(emitApi, {
    timeScale: bot.timeScale,
    textLimit: SENDER_TEXT_LIMIT,
    defaults: { ...bot.defaults, transport: "edit" },
  });
  return { settings, hub: () => hub, emitApi };
}

function unwrap(settings: BotSettings | Error): BotSettings {
  if (settings instanceof Error) throw settings;
  return settings;
}

/**
 * Send a finished stream's result on output 2, or hand its error to Catch
 * nodes with the stream's msg. While the node closes, a failure goes on
 * output 2 too (`event: "error"`, with what was delivered): after a redeploy
 * of only this node, the nodes downstream still run and wait for the reply's
 * outcome. (Node-RED drops messages to nodes that are stopping, so on a full
 * deploy or shutdown these go nowhere.)
 */
function report(
  node: Node,
  stream: TrackedStream,
  outcome: StreamOutcome,
  msgDone: ((error?: unknown) => void) | undefined,
  context: { token: string | undefined; closing: boolean },
): void {
  if (outcome.ok) {
    if (context.closing) {
      node.log(
        `stream "${stream.streamId}" finished on close: ${outcome.result.messages.length} message(s) persisted`,
      );
    }
    node.send([
      null,
      { ...stream.lastMsg, payload: outcome.result, event: "result", streamId: stream.streamId },
    ]);
    msgDone?.();
    return;
  }
  const error = scrubError(outcome.error, context.token);
  const delivery = outcome.error instanceof StreamDeliveryError ? outcome.error : undefined;
  if (delivery) {
    stream.lastMsg.undelivered = {
      reason: delivery.reason,
      text: delivery.undeliveredText,
      deliveredText: delivery.deliveredText,
    };
  }
  stream.lastMsg.streamId = stream.streamId;
  if (context.closing) {
    const failure = error instanceof Error ? error : new Error(String(error));
    node.send([
      null,
      {
        ...stream.lastMsg,
        payload: { messages: delivery?.delivered ?? [], text: delivery?.deliveredText ?? "" },
        event: "error",
        error: { name: failure.name, message: failure.message },
      },
    ]);
  }
  if (msgDone) msgDone(error);
  else node.error(error, stream.lastMsg);
}

function failureReason(error: unknown): string {
  if (error instanceof StreamDeliveryError) {
    // "failed" alone says nothing: Telegram's words say why.
    return error.reason === "failed" && error.apiError ? error.apiError.description : error.reason;
  }
  return error instanceof Error ? error.message : String(error);
}
