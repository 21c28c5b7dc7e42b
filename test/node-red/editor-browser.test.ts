/**
 * What a user sees in Node-RED's editor, in headless Chromium, with
 * streamgram installed as npm installs it (the project's build and the files
 * `npm pack` ships): the palette's search finds the node by "telegram", the
 * dialogs' dropdowns show their options whole, the help's inline code stays
 * inside the help, and Import → Examples lists the example flows and nothing
 * else.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.js";
import { type EditorRuntime, startEditorRuntime } from "./editor-runtime.js";

let runtime: EditorRuntime | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  runtime = await startEditorRuntime();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(runtime.url);
  await page.waitForFunction(
    () => document.querySelector('.red-ui-palette-node[data-palette-type="streamgram"]') !== null,
    null,
    { timeout: 45_000 },
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** The editor's `RED`, as the page scripts see it. */
type EditorRED = {
  nodes: { getType(type: string): { category: string } | undefined; node(id: string): unknown };
  view: { importNodes(nodes: unknown[]): void };
  workspaces: { active(): string };
  editor: { edit(node: unknown): void };
  tray: { close(): void };
  sidebar: { help: { show(type: string): void } };
};

/**
 * For each visible dropdown of the open dialogs whose id is one of `ids`: the
 * options whose text is wider than the room the closed dropdown has for it
 * (its inner width less the arrow), measured with the dropdown's own font.
 */
function cutOptions(ids: string[]): Promise<Array<{ id: string; text: string; over: number }>> {
  return page.evaluate((wanted) => {
    const cut: Array<{ id: string; text: string; over: number }> = [];
    const context = document.createElement("canvas").getContext("2d");
    for (const id of wanted) {
      const select = document.getElementById(id) as HTMLSelectElement | null;
      if (!(select && context && select.offsetParent)) {
        cut.push({ id, text: "(not shown)", over: Number.NaN });
        continue;
      }
      const style = getComputedStyle(select);
      context.font = style.font;
      const ARROW = 20;
      const room =
        select.clientWidth -
        Number.parseFloat(style.paddingLeft) -
        Number.parseFloat(style.paddingRight) -
        ARROW;
      for (const option of Array.from(select.options)) {
        const width = context.measureText(option.text).width;
        if (width > room) cut.push({ id, text: option.text, over: Math.ceil(width - room) });
      }
    }
    return cut;
  }, ids);
}

/** Inline code of the help shown in the sidebar that reaches past the help's right edge. */
function overflowingCode(type: string): Promise<string[]> {
  return page.evaluate((nodeType) => {
    (window as unknown as { RED: EditorRED }).RED.sidebar.help.show(nodeType);
    const help = Array.from(document.querySelectorAll<HTMLElement>(".red-ui-help")).find(
      (element) => element.offsetParent !== null,
    );
    if (!help) return ["(no help shown)"];
    const right = help.getBoundingClientRect().right;
    return Array.from(help.querySelectorAll("code"))
      .filter((code) => code.getBoundingClientRect().right > right + 1)
      .map((code) => code.textContent ?? "");
  }, type);
}

describe("the node in Node-RED's editor", () => {
  it("is found by searching the palette for telegram, in the telegram category", async () => {
    const node = page.locator('.red-ui-palette-node[data-palette-type="streamgram"]');
    expect(await node.getAttribute("data-palette-label")).toMatch(/telegram/i);
    await page.locator("#red-ui-palette-search input").pressSequentially("telegram");
    await expect
      .poll(() => page.isHidden('.red-ui-palette-node[data-palette-type="inject"]'), {
        timeout: 5000,
      })
      .toBe(true);
    expect(await node.isVisible()).toBe(true);
    const category = await page.evaluate(
      () => (window as unknown as { RED: EditorRED }).RED.nodes.getType("streamgram")?.category,
    );
    expect(category).toBe("telegram");
    await page.locator("#red-ui-palette-search input").fill("");
  });

  it("shows every option of its dropdowns whole, in the node's dialog and the bot's", async () => {
    await page.evaluate(() => {
      const { RED } = window as unknown as { RED: EditorRED };
      RED.view.importNodes([
        {
          id: "sgedit",
          type: "streamgram",
          x: 300,
          y: 100,
          z: RED.workspaces.active(),
          delivery: "api",
          idleTimeout: 120,
          ackTimeout: 10,
          outputs: 2,
          wires: [[], []],
        },
      ]);
      RED.editor.edit(RED.nodes.node("sgedit"));
    });
    await page.waitForSelector("#node-input-delivery", { state: "visible" });
    expect(await cutOptions(["node-input-delivery"])).toEqual([]);

    // "Add new bot" opens the config node's dialog over the node's.
    await page.click("#node-input-btn-bot-add");
    await page.waitForSelector("#node-config-input-transport", { state: "visible" });
    expect(await cutOptions(["node-config-input-transport", "node-config-input-format"])).toEqual(
      [],
    );
    for (let i = 0; i < 2; i++) {
      await page.evaluate(() => (window as unknown as { RED: EditorRED }).RED.tray.close());
      await page.waitForTimeout(300);
    }
  });

  it("wraps long inline code in its help instead of running past the sidebar", async () => {
    expect(await overflowingCode("streamgram")).toEqual([]);
    expect(await overflowingCode("streamgram-bot")).toEqual([]);
  });

  it("raises no script error in the editor", () => {
    expect(pageErrors).toEqual([]);
  });
});

describe("Import → Examples", () => {
  const directory = new URL("../../examples/node-red/", import.meta.url);
  const flows = readdirSync(directory)
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.replace(/\.json$/, ""))
    .sort();

  async function library(path: string): Promise<unknown> {
    const response = await fetch(`${runtime?.url}library/examples/flows/${path}`, {
      headers: { accept: "application/json" },
    });
    expect(response.status, path).toBe(200);
    return response.json();
  }

  it("lists one folder of streamgram examples holding the example flows, and no other folder", async () => {
    expect(await library("")).toContain("streamgram");
    expect(await library("streamgram")).toEqual(["node-red"]);
    expect(await library("streamgram/node-red")).toEqual(flows.map((fn) => ({ fn })));
  });

  it("imports each flow as it is in the repository", async () => {
    for (const fn of flows) {
      const file = readFileSync(new URL(`${fn}.json`, directory), "utf8");
      expect(await library(`streamgram/node-red/${fn}`), fn).toEqual(JSON.parse(file));
    }
  });
});
