/**
 * The demo page in a real browser: a user sends a message, watches the
 * answer stream, stops one, switches to the group. Everything runs 20x
 * faster (emulator limits, plugin budget and model alike).
 */
import { mkdir } from "node:fs/promises";
import fc from "fast-check";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultScript, scriptParts } from "../../examples/demo/script.js";
import { type Demo, startDemo } from "../../examples/demo/server.js";
import { type MessageEntity, markdownFormatter } from "../../shared/index.js";
import { countable } from "../bench/visibility.js";
import { launchChromium } from "../support/chromium.js";

const TIME_SCALE = 0.05;
/** The default answer plays in about 4 s at this scale; allow for a slow machine. */
const REPLY_TIMEOUT_MS = 40_000;
/** Each test waits for one or two replies. */
const TEST_TIMEOUT_MS = 90_000;

/** What the user should end up reading: the script's parts, rendered as Telegram shows them. */
const expectedText = countable(
  scriptParts(defaultScript())
    .map((part) => markdownFormatter.render(part, true).text)
    .join(""),
);

let browser: Browser;
let demo: Demo | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function openDemo(): Promise<Page> {
  demo = await startDemo({ port: 0, timeScale: TIME_SCALE });
  const page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
  await page.goto(demo.url);
  return page;
}

/** Type a message in the page and send it, as a user would. */
async function sendFromPage(page: Page, text: string): Promise<void> {
  await page.fill("#input", text);
  await page.press("#input", "Enter");
}

/** Wait until the reply that is streaming now has finished. */
async function waitForReplyEnd(page: Page): Promise<void> {
  await page.waitForSelector('#chat-panel[data-replying="false"]', { timeout: REPLY_TIMEOUT_MS });
  // The page refreshes ten times a second: let the last state arrive.
  await page.waitForTimeout(300);
}

/** Wait until a reply starts streaming, then until it has finished. */
async function waitForReply(page: Page): Promise<void> {
  await page.waitForSelector('#chat-panel[data-replying="true"]', { timeout: REPLY_TIMEOUT_MS });
  await waitForReplyEnd(page);
}

function botTexts(page: Page): Promise<string[]> {
  return page.$$eval('.bubble[data-from="bot"] .text', (nodes) =>
    nodes.map((n) => n.textContent ?? ""),
  );
}

describe("npm run demo", { timeout: TEST_TIMEOUT_MS }, () => {
  it("streams the whole scripted answer into the private chat, split into messages, formatted, without a cursor", async () => {
    const page = await openDemo();
    await sendFromPage(page, "How do you stream answers into Telegram?");
    // While it streams, the user sees a draft with a stop button.
    await page.waitForSelector(".bubble.draft .stop", { timeout: REPLY_TIMEOUT_MS });
    await waitForReply(page);

    expect(await page.$$(".bubble.draft")).toHaveLength(0);
    const texts = await botTexts(page);
    // The intro before the tool call, then the long answer in two messages or more.
    expect(texts.length).toBeGreaterThanOrEqual(3);
    expect(countable(texts.join(""))).toBe(expectedText);
    for (const text of texts) {
      expect(text).not.toContain("▉");
      expect(text.length).toBeLessThanOrEqual(4096);
    }
    const userTexts = await page.$$eval('.bubble[data-from="user"] .text', (n) =>
      n.map((e) => e.textContent),
    );
    expect(userTexts).toEqual(["How do you stream answers into Telegram?"]);

    // Entities are drawn as elements, and text that looks like HTML stays text.
    expect(await page.$$eval(".bubble strong", (n) => n.map((e) => e.textContent))).toContain(
      "live answer",
    );
    expect(await page.$$eval(".bubble em", (n) => n.map((e) => e.textContent))).toContain(
      "Telegram's rate limits",
    );
    expect(await page.$$eval(".bubble code", (n) => n.map((e) => e.textContent))).toContain(
      "<b>not bold</b>",
    );
    expect(await page.$$(".bubble b")).toHaveLength(0);
    expect(await page.textContent(".bubble pre")).toContain("bot.use(streaming());");
    expect(await page.getAttribute(".bubble pre", "data-language")).toBe("ts");
    expect(await page.textContent(".bubble blockquote")).toContain("one message per second");
    const link = page.locator(".bubble a", { hasText: "links" });
    expect(await link.getAttribute("href")).toBe(
      "https://core.telegram.org/bots/api#sendmessagedraft",
    );

    // The counters show what the emulator recorded for this chat.
    const toPrivate = demo?.emulator.calls.filter((c) => c.chatId === 1001) ?? [];
    expect(toPrivate.length).toBeGreaterThan(0);
    expect(Number(await page.textContent("#calls"))).toBe(toPrivate.length);
    expect(Number(await page.textContent("#too-many"))).toBe(
      toPrivate.filter((c) => c.status === 429).length,
    );
    expect(await page.textContent("#lag-mean")).toMatch(/^\d+\.\d\d s$/);

    await mkdir("test-results", { recursive: true });
    await page.locator(".messages").evaluate((list) => {
      list.scrollTop = 0;
    });
    await page.screenshot({ path: "test-results/demo.png" });
  });

  it("stops the answer when the user presses the draft's stop button, keeping what was written", async () => {
    const page = await openDemo();
    await sendFromPage(page, "Tell me everything");
    // Wait until the long answer is well under way, then press stop.
    await page.waitForFunction(
      () => (document.querySelector(".bubble.draft .text")?.textContent?.length ?? 0) > 400,
      undefined,
      { timeout: REPLY_TIMEOUT_MS },
    );
    await mkdir("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/demo-streaming.png" });
    await page.click(".bubble.draft .stop");
    await waitForReplyEnd(page);

    expect(await page.$$(".bubble.draft")).toHaveLength(0);
    const shown = countable((await botTexts(page)).join(""));
    expect(shown.length).toBeGreaterThan(400);
    expect(shown.length).toBeLessThan(expectedText.length);
    // What was kept is the beginning of the answer. Only its very end may read differently: Markdown
    // cut in the middle of a construct (a link, inline code) is shown as written.
    let common = 0;
    while (common < shown.length && shown[common] === expectedText[common]) common++;
    expect(
      shown.length - common,
      `kept text departs from the answer at ${common}`,
    ).toBeLessThanOrEqual(60);
    const drafts = demo?.emulator.timeline(1001).drafts ?? [];
    expect(drafts.filter((d) => d.stoppedAt !== undefined)).toHaveLength(1);
  });

  it("streams into the group chat by editing messages", async () => {
    const page = await openDemo();
    await page.click('.tab[data-chat="group"]');
    expect(await page.textContent("#chat-title")).toBe("Group (edits)");
    await sendFromPage(page, "And in a group?");
    await waitForReply(page);

    const texts = await botTexts(page);
    expect(texts.length).toBeGreaterThanOrEqual(3);
    expect(countable(texts.join(""))).toBe(expectedText);
    expect(await page.textContent('.bubble[data-from="bot"] .meta >> nth=1')).toMatch(/^edited/);
    // Groups have no drafts, and the private chat got nothing.
    expect(demo?.emulator.timeline(-1002).drafts).toHaveLength(0);
    expect(demo?.emulator.timeline(1001).messages).toHaveLength(0);
    // Each chat counts its own calls: the group's here, none in the private chat.
    const toGroup = demo?.emulator.calls.filter((c) => c.chatId === -1002) ?? [];
    expect(toGroup.length).toBeGreaterThan(0);
    expect(Number(await page.textContent("#calls"))).toBe(toGroup.length);
    expect(await page.textContent("#methods")).toContain("editMessageText");
    await page.click('.tab[data-chat="private"]');
    await page.waitForSelector('#chat-panel[data-chat="private"]');
    expect(await page.textContent("#calls")).toBe("0");
    expect(await page.textContent("#methods")).toBe("no calls yet");
  });

  it("draws any text with any entities as DOM nodes: the text stays as it is, only safe links open", async () => {
    const page = await openDemo();
    const entityType = fc.constantFrom<MessageEntity["type"]>(
      "bold",
      "italic",
      "underline",
      "strikethrough",
      "spoiler",
      "code",
      "pre",
      "text_link",
      "url",
      "email",
      "blockquote",
      "expandable_blockquote",
      "mention",
      "hashtag",
    );
    const sample = fc
      .string({ unit: "grapheme", maxLength: 60 })
      .map((t) => `${t}<script>alert(1)</script><b>x</b>\n`)
      .chain((text) =>
        fc.record({
          text: fc.constant(text),
          entities: fc.array(
            fc.record({
              type: entityType,
              offset: fc.integer({ min: 0, max: text.length }),
              length: fc.integer({ min: 1, max: text.length }),
              url: fc.constantFrom(
                "https://example.org/a?b=1",
                "javascript:alert(1)",
                "data:text/html,<b>x</b>",
              ),
              language: fc.constantFrom("ts", "<img src=x>"),
            }),
            { maxLength: 8 },
          ),
        }),
      );
    const cases = fc.sample(sample, 300);
    const drawn = await page.evaluate((all) => {
      const draw = (
        window as unknown as { formattedText: (t: string, e: unknown[]) => HTMLElement }
      ).formattedText;
      return all.map(({ text, entities }) => {
        const element = draw(text, entities);
        return {
          text: element.textContent ?? "",
          tags: Array.from(element.querySelectorAll("*")).map((e) => e.tagName),
          links: Array.from(element.querySelectorAll("a")).map((a) => a.getAttribute("href") ?? ""),
        };
      });
    }, cases);
    drawn.forEach((result, i) => {
      const input = cases[i]?.text ?? "";
      // Only a line break next to a quote or code block may go: the block's edge draws it.
      expect(result.text.replace(/\n/g, "")).toBe(input.replace(/\n/g, ""));
      for (const tag of result.tags) {
        expect(["STRONG", "EM", "U", "S", "SPAN", "CODE", "PRE", "BLOCKQUOTE", "A"]).toContain(tag);
      }
      for (const href of result.links) expect(href).toMatch(/^(https?:|mailto:)/);
    });
  });
});
