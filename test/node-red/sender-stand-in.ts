/**
 * A stand-in for node-red-contrib-telegrambot's sender node, for emit-only
 * flows in tests: a Node-RED function node that performs each operation
 * against the emulator and answers on its output (and error output) exactly
 * as the sender does.
 */
import { type Api, GrammyError } from "grammy";
import type { SenderPayload } from "../../node-red-node/emit-only-api.js";

/**
 * What the sender node does with one operation, through node-telegram-bot-api:
 * `sendMessage(chatId, content, options)`, `editMessageText(content, options)`,
 * `sendChatAction(chatId, content)`. Its failures read `ETELEGRAM: <code> <description>`.
 */
export function telegramSender(api: Api) {
  return async (operation: SenderPayload): Promise<unknown> => {
    try {
      if (operation.type === "message") {
        return await api.raw.sendMessage({
          chat_id: operation.chatId,
          text: operation.content,
          ...operation.options,
        } as never);
      }
      if (operation.type === "editMessageText") {
        return await api.raw.editMessageText({
          text: operation.content,
          ...operation.options,
        } as never);
      }
      return await api.raw.sendChatAction({
        chat_id: operation.chatId,
        action: operation.content,
        ...operation.options,
      } as never);
    } catch (error) {
      if (error instanceof GrammyError)
        throw new Error(`ETELEGRAM: ${error.error_code} ${error.description}`);
      throw error;
    }
  };
}

/**
 * The sender node, played by a function node: output 1 passes the msg on with
 * `payload.content` replaced by Telegram's result and `payload.sentMessageId`
 * set; output 2 (the sender's optional error output) carries `msg.error`.
 */
export const SENDER_FUNCTION = `
const send = global.get("telegramSender");
send(msg.payload).then((result) => {
  msg.payload.content = result;
  if (result && result.message_id !== undefined) msg.payload.sentMessageId = result.message_id;
  node.send([msg, null]);
  node.done();
}, (error) => {
  msg.error = "Caught exception in sender node:\\r\\n" + error + "\\r\\nwhen processing message: ...";
  node.send([null, msg]);
  node.done();
});
return null;
`;
