/**
 * StreamFlavor: `ctx.streamReply` exists on the flavoured context only, in
 * the types (checked by `tsc --noEmit`, which covers this file) and at runtime.
 */
import { Bot, type Context, type SessionFlavor } from "grammy";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type StreamFlavor,
  type StreamReplyOptions,
  type StreamResult,
  type StreamSourceInput,
  streaming,
} from "../../grammy-plugin/index.js";
import { botInfoFor, newToken } from "./harness.js";

describe("StreamFlavor", () => {
  it("adds streamReply to the flavoured context only", () => {
    expectTypeOf<StreamFlavor<Context>>().toHaveProperty("streamReply");
    expectTypeOf<StreamFlavor<Context>["streamReply"]>().parameters.toEqualTypeOf<
      [StreamSourceInput, StreamReplyOptions?]
    >();
    expectTypeOf<
      StreamFlavor<Context>["streamReply"]
    >().returns.resolves.toEqualTypeOf<StreamResult>();
    expectTypeOf<Context>().not.toHaveProperty("streamReply");

    const plain = new Bot<Context>(newToken());
    plain.on("message", (ctx) => {
      // @ts-expect-error streamReply exists only on a StreamFlavor context
      void ctx.streamReply("text");
    });
    const flavoured = new Bot<StreamFlavor<Context>>(newToken());
    flavoured.use(streaming());
    flavoured.on("message:text", async (ctx) => {
      // @ts-expect-error replyTo takes a boolean
      await ctx.streamReply("text", { replyTo: "yes" });
      // @ts-expect-error hub settings belong to streaming(), not to one reply
      await ctx.streamReply("text", { timeScale: 1 });
    });
  });

  it("composes with other flavors", () => {
    type MyContext = StreamFlavor<Context & SessionFlavor<{ turns: number }>>;
    const bot = new Bot<MyContext>(newToken());
    bot.use(streaming());
    bot.on("message:text", (ctx) => {
      expectTypeOf(ctx.session.turns).toBeNumber();
      expectTypeOf(ctx.streamReply).toBeFunction();
    });
  });

  it("is installed on the context by streaming(), for middleware after it", async () => {
    const token = newToken();
    const bot = new Bot<StreamFlavor<Context>>(token, { botInfo: botInfoFor(token) });
    const seen: string[] = [];
    bot.use((ctx, next) => {
      seen.push(`before: ${typeof ctx.streamReply}`);
      return next();
    });
    bot.use(streaming());
    bot.use((ctx) => {
      seen.push(`after: ${typeof ctx.streamReply}`);
    });

    await bot.handleUpdate({
      update_id: 1,
      message: {
        message_id: 1,
        date: 0,
        from: { id: 1, is_bot: false, first_name: "U" },
        chat: { id: 1, type: "private", first_name: "U" },
        text: "hi",
      },
    });

    expect(seen).toEqual(["before: undefined", "after: function"]);
  });
});
