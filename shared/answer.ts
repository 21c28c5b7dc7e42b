import { isHighSurrogate } from "./format/unicode.js";
import type { Segment } from "./planner.js";
import { ThinkFilter } from "./think-filter.js";

/**
 * What a stream has received so far: the answer, cut into segments at tool
 * boundaries, and the reasoning. Hidden tags (`<think>`) are taken out on the
 * way in, even when split across chunks.
 *
 * The head segment is the one streaming into the chat now; it is dropped
 * ({@link shift}) once all its messages are persisted.
 */
export class Answer {
  /** The segments not yet persisted, the head first; the last one receives text. */
  readonly segments: Segment[] = [{ source: "", reasoning: "", ended: false }];
  /** All reasoning received, shown or not. */
  reasoning = "";
  private readonly filter: ThinkFilter;
  /** The answer text of segments already dropped. */
  private before = "";
  /** Appends since the last segment's text was last flattened. */
  private appendsUnread = 0;

  constructor(hideTags: readonly string[]) {
    this.filter = new ThinkFilter(hideTags);
  }

  /** The segment streaming into the chat now. */
  get head(): Segment | undefined {
    return this.segments[0];
  }

  /** The whole answer text received (reasoning and hidden tags removed). */
  get text(): string {
    return this.before + this.segments.map((seg) => seg.source).join("");
  }

  /** Take in a chunk of the model's text; returns whether anything visible changed. */
  delta(text: string, showReasoning: boolean): boolean {
    const { visible, reasoning } = this.filter.push(text);
    return this.append(visible, reasoning, showReasoning);
  }

  /** Take in reasoning; returns whether anything visible changed. */
  addReasoning(text: string, showReasoning: boolean): boolean {
    return this.append("", text, showReasoning);
  }

  /**
   * A tool boundary: the last segment ends and a new one starts. Returns false
   * (and does nothing) when the last segment has no text yet.
   */
  segment(): boolean {
    this.flush();
    const last = this.segments[this.segments.length - 1] as Segment;
    if (last.source.length === 0 && !last.ended) return false;
    // Half a surrogate pair belongs with its other half, which has not arrived yet.
    const split = isHighSurrogate(last.source.charCodeAt(last.source.length - 1))
      ? last.source.slice(-1)
      : "";
    last.source = last.source.slice(0, last.source.length - split.length);
    last.ended = true;
    this.segments.push({ source: split, reasoning: "", ended: false });
    return true;
  }

  /** The source is over: release what the tag filter held back and end the last segment. */
  end(): void {
    this.flush();
    const last = this.segments[this.segments.length - 1];
    if (last) last.ended = true;
  }

  /** The head segment is persisted: drop it. */
  shift(): void {
    this.before += this.segments.shift()?.source ?? "";
  }

  private flush(): void {
    const { visible, reasoning } = this.filter.end();
    this.append(visible, reasoning, false);
  }

  private append(visible: string, reasoning: string, showReasoning: boolean): boolean {
    const seg = this.segments[this.segments.length - 1] as Segment;
    if (visible) {
      seg.source += visible;
      // Appending builds a rope (some 30 bytes a piece) until the text is read; a model
      // that sends tiny chunks faster than we flush would hold one node per chunk. A
      // search reads it, and V8 then stores it flat.
      if (++this.appendsUnread >= 1024) {
        this.appendsUnread = 0;
        seg.source.indexOf("\0");
      }
    }
    if (reasoning) {
      this.reasoning += reasoning;
      // Reasoning that arrives after the answer started would shift text the user already saw.
      if (seg.source.length === 0) seg.reasoning += reasoning;
    }
    return visible.length > 0 || (reasoning.length > 0 && showReasoning);
  }
}
