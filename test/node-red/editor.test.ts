/**
 * The editor file (streamgram.html) against the runtime: the same node types,
 * the same credentials, form fields for the properties the runtime reads,
 * defaults the runtime accepts, and help in Node-RED's standard sections.
 * The HTML's scripts run in a sandbox with a stand-in for the editor's `RED`.
 */
import { existsSync, readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { type BotConfigDef, readBotSettings } from "../../node-red-node/bot-config.js";
import type { NodeAPI } from "../../node-red-node/red.js";
import { readStreamNodeSettings, type StreamNodeDef } from "../../node-red-node/stream-node.js";
import streamgramNodes from "../../node-red-node/streamgram.js";

const htmlPath = new URL("../../node-red-node/streamgram.html", import.meta.url);
const html = readFileSync(htmlPath, "utf8");

interface PropertyDefinition {
  value: unknown;
  type?: string;
  required?: boolean;
  validate?: (this: Record<string, unknown>, value: unknown) => boolean;
}

interface EditorDefinition {
  category: string;
  paletteLabel?: string;
  color?: string;
  icon?: string;
  inputs?: number;
  outputs?: number;
  defaults: Record<string, PropertyDefinition>;
  credentials?: Record<string, { type: string }>;
  label: (this: Record<string, unknown>) => string;
  outputLabels?: (this: Record<string, unknown>, index: number) => string;
  oneditsave?: (this: Record<string, unknown>) => void;
}

/** Run the HTML's `text/javascript` blocks as the editor would, collecting registerType calls. */
function editorDefinitions(selectedDelivery = "api"): Map<string, EditorDefinition> {
  const registered = new Map<string, EditorDefinition>();
  const RED = {
    nodes: {
      registerType: (type: string, definition: EditorDefinition) =>
        registered.set(type, definition),
    },
    validators: { number: () => (value: unknown) => !Number.isNaN(Number(value)) },
  };
  // A stand-in for jQuery: the delivery select shows `selectedDelivery`, other inputs do not exist.
  const $ = (selector: string) =>
    selector === "#node-input-delivery"
      ? { length: 1, val: () => selectedDelivery, on: () => {} }
      : { length: 0, val: () => undefined, on: () => {}, toggle: () => {} };
  for (const [, code] of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
    runInNewContext(code ?? "", { RED, $ });
  }
  return registered;
}

/** What the runtime registers: type names and credential definitions. */
function runtimeRegistrations(): Map<
  string,
  { credentials?: Record<string, { type: string }> } | undefined
> {
  const registered = new Map<
    string,
    { credentials?: Record<string, { type: string }> } | undefined
  >();
  const RED = {
    nodes: {
      createNode: () => {},
      getNode: () => null,
      registerType: (
        type: string,
        _constructor: unknown,
        options?: { credentials?: Record<string, { type: string }> },
      ) => registered.set(type, options),
    },
  } as unknown as NodeAPI;
  streamgramNodes(RED);
  return registered;
}

/** Names of the form fields of a template, e.g. `node-input-name` → `name`. */
function formFields(type: string, prefix: "node-input" | "node-config-input"): string[] {
  const template =
    new RegExp(`data-template-name="${type}">([\\s\\S]*?)</script>`).exec(html)?.[1] ?? "";
  return [...template.matchAll(new RegExp(`id="${prefix}-([A-Za-z]+)"`, "g"))].map(
    (m) => m[1] ?? "",
  );
}

function helpOf(type: string): string {
  return new RegExp(`data-help-name="${type}">([\\s\\S]*?)</script>`).exec(html)?.[1] ?? "";
}

/** The node properties the editor would save: each default's value. */
function defaultsOf(definition: EditorDefinition | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(definition?.defaults ?? {}).map(([key, d]) => [key, d.value]),
  );
}

describe("the editor file", () => {
  const editor = editorDefinitions();
  const runtime = runtimeRegistrations();

  it("registers the node types the runtime registers, with the same credentials", () => {
    expect([...editor.keys()].sort()).toEqual([...runtime.keys()].sort());
    for (const [type, options] of runtime) {
      expect(editor.get(type)?.credentials, type).toEqual(options?.credentials);
    }
    // The token and the Redis URL (which may hold a password) are password credentials: the editor
    // never receives them back, and they never enter the flow.
    expect(editor.get("streamgram-bot")?.credentials).toEqual({
      token: { type: "password" },
      redisUrl: { type: "password" },
    });
    expect(Object.keys(editor.get("streamgram-bot")?.defaults ?? {})).not.toContain("token");
    expect(Object.keys(editor.get("streamgram-bot")?.defaults ?? {})).not.toContain("redisUrl");
  });

  it("has a form field for each property a user sets, and no field without a property", () => {
    const bot = editor.get("streamgram-bot");
    const botProperties = [
      ...Object.keys(bot?.defaults ?? {}),
      ...Object.keys(bot?.credentials ?? {}),
    ];
    // timeScale is for tests against a scaled emulator, deliberately not in the form.
    expect(formFields("streamgram-bot", "node-config-input").sort()).toEqual(
      botProperties.filter((p) => p !== "timeScale").sort(),
    );
    const node = editor.get("streamgram");
    // outputs is set from the delivery mode when the dialog is saved.
    expect(formFields("streamgram", "node-input").sort()).toEqual(
      Object.keys(node?.defaults ?? {})
        .filter((p) => p !== "outputs")
        .sort(),
    );
  });

  it("has defaults the runtime accepts, meaning what the help says", () => {
    const bot = readBotSettings({
      id: "b",
      type: "streamgram-bot",
      ...defaultsOf(editor.get("streamgram-bot")),
    } as BotConfigDef);
    expect(bot).toEqual({
      defaults: { transport: "auto", format: "markdown", cursor: " ▉" },
      timeScale: 1,
      apiRoot: undefined,
    });
    const node = readStreamNodeSettings({
      id: "n",
      type: "streamgram",
      ...defaultsOf(editor.get("streamgram")),
    } as StreamNodeDef);
    expect(node).toEqual({ delivery: "api", idleTimeoutMs: 120_000, ackTimeoutMs: 10_000 });
  });

  it("asks for a bot unless the node only emits, and gives emit-only nodes a third output", () => {
    for (const [delivery, botRequired, outputs] of [
      ["api", true, 2],
      ["emit", false, 3],
    ] as const) {
      const definition = editorDefinitions(delivery).get("streamgram");
      const validateBot = definition?.defaults.bot?.validate;
      expect(validateBot?.call({ delivery }, ""), delivery).toBe(!botRequired);
      expect(validateBot?.call({ delivery }, "some-bot-id"), delivery).toBe(true);
      const node: Record<string, unknown> = {};
      definition?.oneditsave?.call(node);
      expect(node.outputs).toBe(outputs);
      expect(definition?.outputLabels?.call({}, outputs - 1)).toBeTruthy();
    }
  });

  it("is in the telegram category with a palette label a search for telegram finds, and an icon that exists", () => {
    const node = editor.get("streamgram");
    // Beside node-red-contrib-telegrambot's nodes; the palette's search matches type and palette label.
    expect(node?.category).toBe("telegram");
    expect(node?.paletteLabel).toMatch(/telegram/i);
    expect(node?.label.call({})).toMatch(/telegram/i);
    expect(node?.label.call({ name: "my replies" })).toBe("my replies");
    expect(node?.inputs).toBe(1);
    expect(node?.icon).toBe("streamgram.svg");
    expect(existsSync(new URL(`../../node-red-node/icons/${node?.icon}`, import.meta.url))).toBe(
      true,
    );
    expect(editor.get("streamgram-bot")?.category).toBe("config");
  });

  it("gives every dropdown the width of the text inputs (the editor's default 220 px cuts options)", () => {
    const selects = [...html.matchAll(/<select ([^>]*)>/g)].map((m) => m[1] ?? "");
    expect(selects).toHaveLength(3);
    for (const attributes of selects) expect(attributes).toMatch(/style="width: 70%"/);
  });

  it("lets long inline code in each help wrap (the editor keeps code on one line)", () => {
    for (const type of ["streamgram", "streamgram-bot"]) {
      const style = /<style>([\s\S]*?)<\/style>/.exec(helpOf(type))?.[1] ?? "";
      expect(style, type).toMatch(/\.red-ui-help code \{[^}]*white-space: normal/);
      expect(style, type).toMatch(/overflow-wrap: anywhere/);
    }
  });

  it("documents the node in Node-RED's standard help sections", () => {
    const help = helpOf("streamgram");
    const sections = [...help.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
    expect(sections).toEqual(["Inputs", "Outputs", "Details", "References"]);
    expect(help).toContain('<dl class="message-properties">');
    // One list item per output port, the emit-only one included.
    const ports = /<ol class="node-ports">([\s\S]*?)<\/ol>/.exec(help)?.[1] ?? "";
    expect(ports.match(/<li>/g)).toHaveLength(3);
    for (const property of ["payload", "event", "chatId", "streamId", "threadId", "replyTo"]) {
      expect(help, property).toMatch(
        new RegExp(`<dt( class="optional")?>${property} <span class="property-type">`),
      );
    }
    expect(helpOf("streamgram-bot")).toMatch(
      /<dt>Token <span class="property-type">password<\/span><\/dt>/,
    );
  });
});
