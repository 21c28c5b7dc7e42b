/**
 * streamgram for Node-RED: streams LLM output into Telegram chats, live.
 *
 * Registers two node types: `streamgram-bot` (config: the bot's token as
 * credentials, its API root and stream defaults, and the rate budget shared by
 * every stream of the bot) and `streamgram` (the stream node). The build
 * bundles this file to `dist/node-red/streamgram.cjs`, next to
 * `streamgram.html` (editor templates and help).
 */
import { registerBotConfig } from "./bot-config.js";
import type { NodeAPI } from "./red.js";
import { registerStreamNode } from "./stream-node.js";

/** Node-RED calls this once when it loads the module. */
export default function streamgramNodes(RED: NodeAPI): void {
  registerBotConfig(RED);
  registerStreamNode(RED);
}
