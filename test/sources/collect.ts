/**
 * Helpers for reading `toStreamEvents` output in tests.
 */
import type { StreamEvent } from "../../shared/types.js";

/** Every event, plus the error that ended the iteration (undefined when it ended normally). */
export async function collect(
  events: AsyncIterable<StreamEvent>,
): Promise<{ events: StreamEvent[]; error: unknown }> {
  const seen: StreamEvent[] = [];
  try {
    for await (const event of events) seen.push(event);
    return { events: seen, error: undefined };
  } catch (error) {
    return { events: seen, error };
  }
}

/**
 * The events as a user would read them: adjacent deltas (and adjacent
 * reasoning pieces) merged, so assertions do not depend on how the text was
 * chunked. E.g. `["reasoning: hm", "delta: Hello", "segment", "done"]`.
 */
export function runs(events: readonly StreamEvent[]): string[] {
  const out: string[] = [];
  let previous: StreamEvent["type"] | undefined;
  for (const event of events) {
    if ((event.type === "delta" || event.type === "reasoning") && previous === event.type) {
      out[out.length - 1] += event.text;
    } else if (event.type === "delta" || event.type === "reasoning") {
      out.push(`${event.type}: ${event.text}`);
    } else {
      out.push(event.type);
    }
    previous = event.type;
  }
  return out;
}

/** The visible answer text: all deltas joined. */
export function visibleText(events: readonly StreamEvent[]): string {
  return events.map((event) => (event.type === "delta" ? event.text : "")).join("");
}
