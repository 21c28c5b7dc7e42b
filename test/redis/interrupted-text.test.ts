/**
 * The final form crash recovery gives an interrupted message: what the user
 * last saw, without the cursor, plus the note when it fits. Property tests
 * over Markdown rendered as the consumer renders it, worst model output included.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { markdownFormatter } from "../../shared/format/index.js";
import type { OpenMessage } from "../../shared/journal.js";
import { concatFormatted, plainText, trimFormatted } from "../../shared/message-text.js";
import { interruptedText } from "../../shared/redis/recovery.js";

const piece = fc.oneof(
  fc.constantFrom(
    "word ",
    "Sentence. ",
    "\n\n",
    "**bold** ",
    "_it_ ",
    "`code` ",
    "```js\nconst x = 1;\n",
    "```\n",
    "> quote\n",
    "- item\n  - nested\n    - deeper\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "[link](https://example.com) ",
    "*".repeat(40),
    "_".repeat(40),
    "`".repeat(12),
    "👨‍👩‍👧",
    "🇺🇦",
    "e\u0301",
    "x".repeat(300),
    "   ",
  ),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const source = fc.array(piece, { maxLength: 120 }).map((p) => p.join(""));
const cursor = fc.constantFrom(" ▉", "", "…", " ⏳");
const note = fc.constantFrom("\n\n(interrupted)", "", "\n\n(unterbrochen)", " ✂");

function shownMessage(text: string, cursorText: string): OpenMessage {
  const rendered = markdownFormatter.render(text, false);
  const shown = concatFormatted(rendered, plainText(cursorText));
  return { chatId: 1, transport: "edit", draftId: 1, messageId: 1, ...shown, cursor: cursorText };
}

describe("interruptedText", () => {
  it("is what the user saw, trimmed and without cursor, then the note if it fits", () => {
    fc.assert(
      fc.property(source, cursor, note, fc.integer({ min: 64, max: 4096 }), (text, c, n, limit) => {
        const message = shownMessage(text, c);
        const expected = trimFormatted(markdownFormatter.render(text, false));
        const result = interruptedText(message, " ▉", n, limit);
        if (expected.text.trim().length === 0) {
          expect(result).toBeUndefined();
          return;
        }
        const fits = n.trim().length > 0 && expected.text.length + n.length <= limit;
        expect(result?.text).toBe(fits ? expected.text + n : expected.text);
        expect(result?.entities).toEqual(expected.entities);
        for (const e of result?.entities ?? []) {
          expect(e.offset + e.length).toBeLessThanOrEqual(expected.text.length);
        }
        if (expected.text.length + n.length <= limit) {
          expect(result?.text.length).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("strips the hub's default cursor when the message names none, and only at the end", () => {
    const message: OpenMessage = {
      chatId: 1,
      transport: "draft",
      draftId: 7,
      text: "a ▉ in the middle ▉",
      entities: [{ type: "bold", offset: 0, length: 1 }],
    };
    expect(interruptedText(message, " ▉", "\n\n(interrupted)", 4096)).toEqual({
      text: "a ▉ in the middle\n\n(interrupted)",
      entities: [{ type: "bold", offset: 0, length: 1 }],
    });
    expect(interruptedText({ ...message, text: " ▉" }, " ▉", "!", 4096)).toBeUndefined();
  });
});
