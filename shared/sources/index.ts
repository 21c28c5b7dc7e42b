/**
 * Source detection: turns whatever an LLM SDK hands back into `StreamEvent`s.
 *
 * Everything here is duck-typed, so `shared/` imports no SDK. One module per
 * SDK family reads its chunks (`openai-chat`, `openai-responses`, `ai-sdk`
 * with Mastra, `anthropic`, `gemini`, `ollama`, `langchain`,
 * `openai-agents`); `chunks` detects which one a chunk is; `read` opens
 * sources and feeds their chunks through it.
 */
export { chunkToEvents } from "./chunks.js";
export { type StreamSource, type StreamSourceInput, toStreamEvents } from "./read.js";
export { type ChunkState, createChunkState, type SourceFamily } from "./state.js";
