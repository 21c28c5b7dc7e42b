/**
 * Markdown code fences in plain-text messages. When a message must be cut
 * inside a fenced block, the block is closed at the end of the first message
 * and reopened (with its language) at the start of the next, so both render as
 * code in clients that show Markdown and neither shows a stray fence.
 */

const FENCE_LINE = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*$/gm;

/** The fence still open at the end of `text`, or undefined if none is open. */
export function openFenceAtEnd(text: string): { fence: string; language: string } | undefined {
  let open: { fence: string; language: string } | undefined;
  FENCE_LINE.lastIndex = 0;
  for (let m = FENCE_LINE.exec(text); m !== null; m = FENCE_LINE.exec(text)) {
    const fence = m[1] ?? "```";
    if (open === undefined) {
      open = { fence, language: m[2] ?? "" };
    } else if (
      fence[0] === open.fence[0] &&
      fence.length >= open.fence.length &&
      (m[2] ?? "") === ""
    ) {
      open = undefined;
    }
  }
  return open;
}

/** The longest closing line {@link closeFence} may add, so callers can reserve room for it. */
export const FENCE_RESERVE = 12;

/** The line that closes `open`, to append to the first message. */
export function closeFence(open: { fence: string }): string {
  return `\n${open.fence.slice(0, FENCE_RESERVE - 1)}`;
}

/** The line that reopens `open`, to prepend to the next message. */
export function reopenFence(open: { fence: string; language: string }): string {
  return `${open.fence}${open.language}\n`;
}
