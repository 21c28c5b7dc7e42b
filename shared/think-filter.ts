/**
 * Hides `<think>…</think>`-style reasoning blocks from a stream of deltas.
 *
 * Streaming-safe: a tag split across chunks (`<thi` + `nk>`) is recognised,
 * because a tail that could still become a tag is held back until the next
 * chunk (or {@link ThinkFilter.end}) decides it.
 */
export class ThinkFilter {
  private readonly opens: string[];
  private readonly closes: string[];
  private inside: string | undefined;
  private pending = "";

  /** @param tags tag names to hide, e.g. `["think", "thinking"]` (case-insensitive). */
  constructor(tags: readonly string[]) {
    for (const tag of tags) {
      if (typeof tag !== "string" || !/^[A-Za-z][\w-]*$/.test(tag)) {
        throw new TypeError(
          `hideTags: a tag name must be letters, digits, "-" or "_", got ${JSON.stringify(tag)}`,
        );
      }
    }
    this.opens = tags.map((t) => `<${t.toLowerCase()}>`);
    this.closes = tags.map((t) => `</${t.toLowerCase()}>`);
  }

  /** Feed a chunk; returns the answer text and the reasoning text it contained. */
  push(chunk: string): { visible: string; reasoning: string } {
    let text = this.pending + chunk;
    this.pending = "";
    let visible = "";
    let reasoning = "";
    while (text.length > 0) {
      const lower = text.toLowerCase();
      const targets = this.inside === undefined ? this.opens : [this.inside];
      let hit = -1;
      let hitTag = "";
      for (const tag of targets) {
        const i = lower.indexOf(tag);
        if (i !== -1 && (hit === -1 || i < hit)) {
          hit = i;
          hitTag = tag;
        }
      }
      if (hit === -1) {
        const keep = this.partialTagSuffix(lower, targets);
        const emit = text.slice(0, text.length - keep);
        this.pending = text.slice(text.length - keep);
        if (this.inside === undefined) visible += emit;
        else reasoning += emit;
        break;
      }
      if (this.inside === undefined) {
        visible += text.slice(0, hit);
        this.inside = this.closes[this.opens.indexOf(hitTag)];
      } else {
        reasoning += text.slice(0, hit);
        this.inside = undefined;
      }
      text = text.slice(hit + hitTag.length);
    }
    return { visible, reasoning };
  }

  /** The stream ended: release a held-back tail (an unfinished tag is just text). */
  end(): { visible: string; reasoning: string } {
    const rest = this.pending;
    this.pending = "";
    return this.inside === undefined
      ? { visible: rest, reasoning: "" }
      : { visible: "", reasoning: rest };
  }

  /** Length of the longest suffix of `text` that is a proper prefix of one of `tags`. */
  private partialTagSuffix(text: string, tags: string[]): number {
    let best = 0;
    for (const tag of tags) {
      for (let n = Math.min(tag.length - 1, text.length); n > best; n--) {
        if (text.endsWith(tag.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
