/**
 * A minimal LangChain chat model over HTTP: a `BaseChatModel` subclass that
 * streams from an OpenAI-compatible server with the real `openai` client, as
 * `@langchain/openai` (not installed here) does. Each Chat Completions chunk
 * becomes an `AIMessageChunk`: text as string `content` (or, with
 * `contentBlocks`, `text` content blocks), reasoning as
 * `additional_kwargs.reasoning_content` (or `reasoning` content blocks), tool
 * call deltas as `tool_call_chunks`.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import {
  BaseChatModel,
  type BaseChatModelParams,
} from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import OpenAI from "openai";

/** Options of {@link OpenAICompatibleChatModel}. */
export interface OpenAICompatibleChatModelFields extends BaseChatModelParams {
  /** The server's base URL, e.g. `http://127.0.0.1:1234/v1`. */
  baseURL: string;
  /** Emit content blocks (`text`, `reasoning`) instead of string content and `reasoning_content`. */
  contentBlocks?: boolean;
}

/** A chat model that streams every call from an OpenAI-compatible server. */
export class OpenAICompatibleChatModel extends BaseChatModel {
  private readonly client: OpenAI;
  private readonly contentBlocks: boolean;

  constructor(fields: OpenAICompatibleChatModelFields) {
    super(fields);
    this.client = new OpenAI({ apiKey: "test", baseURL: fields.baseURL, maxRetries: 0 });
    this.contentBlocks = fields.contentBlocks ?? false;
  }

  override _llmType(): string {
    return "openai-compatible-test";
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const stream = await this.client.chat.completions.create(
      {
        model: "langchain-test",
        messages: messages.map((m) => ({
          role: m.type === "ai" ? ("assistant" as const) : ("user" as const),
          content: typeof m.content === "string" ? m.content : JSON.stringify(m.content),
        })),
        stream: true,
      },
      { signal: options.signal },
    );
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        | (OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta & {
            reasoning_content?: string;
          })
        | undefined;
      if (delta === undefined) continue;
      const text = delta.content ?? "";
      const reasoning = delta.reasoning_content ?? "";
      const toolCallChunks = (delta.tool_calls ?? []).map((call) => ({
        type: "tool_call_chunk" as const,
        index: call.index,
        id: call.id,
        name: call.function?.name,
        args: call.function?.arguments ?? "",
      }));
      const message = this.contentBlocks
        ? new AIMessageChunk({
            content: [
              ...(reasoning === "" ? [] : [{ type: "reasoning", reasoning }]),
              ...(text === "" ? [] : [{ type: "text", text }]),
            ],
            tool_call_chunks: toolCallChunks,
          })
        : new AIMessageChunk({
            content: text,
            additional_kwargs: reasoning === "" ? {} : { reasoning_content: reasoning },
            tool_call_chunks: toolCallChunks,
          });
      const generation = new ChatGenerationChunk({ text, message });
      yield generation;
      await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, {
        chunk: generation,
      });
    }
  }

  override async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let whole: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      whole = whole === undefined ? chunk : whole.concat(chunk);
    }
    if (whole === undefined) throw new Error("the server sent no chunk");
    return { generations: [whole] };
  }
}
