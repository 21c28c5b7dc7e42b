/**
 * What a `stopped_message_generation` update says (Bot API 10.3): the user
 * pressed the stop button of a draft that was sent with `can_stop`.
 */
export interface StoppedGeneration {
  chatId: number;
  threadId?: number;
  draftId: number;
}

/**
 * Read a `stopped_message_generation` update, or return undefined for any
 * other value. It reads the raw update object, so it works with any library
 * (and grammY versions whose types do not know this update yet); pass what it
 * returns to `StreamHub.stop`.
 */
export function stoppedGenerationOf(update: unknown): StoppedGeneration | undefined {
  if (typeof update !== "object" || update === null) return undefined;
  const stopped = (update as { stopped_message_generation?: unknown }).stopped_message_generation;
  if (typeof stopped !== "object" || stopped === null) return undefined;
  const {
    chat,
    message_thread_id: threadId,
    draft_id: draftId,
  } = stopped as {
    chat?: { id?: unknown };
    message_thread_id?: unknown;
    draft_id?: unknown;
  };
  if (typeof chat?.id !== "number" || typeof draftId !== "number") return undefined;
  return typeof threadId === "number"
    ? { chatId: chat.id, threadId, draftId }
    : { chatId: chat.id, draftId };
}
