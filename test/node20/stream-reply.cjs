// Runs under the system Node (20): loads the built package the way a user's
// CommonJS bot does and streams one reply through the emulator.
const { Bot } = require("grammy");
const { streamMessage, StreamHub } = require("streamgram");

async function main() {
  if (typeof StreamHub !== "function")
    throw new Error("streamgram's CommonJS build lacks StreamHub");
  const { API_ROOT, CHAT_ID, TIME_SCALE } = process.env;
  const bot = new Bot("1234:node20-test-token-aaaaaaaaaaaaaaaaaaaa", {
    client: { apiRoot: API_ROOT },
    botInfo: {
      id: 1234,
      is_bot: true,
      first_name: "t",
      username: "t_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    },
  });
  async function* answer() {
    for (const word of "Streamed **from** Node 20: done.".split(" ")) {
      yield `${word} `;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const result = await streamMessage(bot.api, Number(CHAT_ID), answer(), {
    timeScale: Number(TIME_SCALE),
  });
  process.stdout.write(
    JSON.stringify({
      node: process.version,
      messages: result.messages.map((m) => m.text),
      entities: result.messages.map((m) => m.entities ?? []),
    }),
  );
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
