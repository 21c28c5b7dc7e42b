import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../emulator/index.js";
import { systemNode } from "./packed.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const TIME_SCALE = 0.05;

let emulator: Emulator;

beforeAll(async () => {
  // `npm test` builds first (pretest); build here too when a single test file is run by hand.
  if (!existsSync(join(root, "dist/index.cjs")))
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  emulator = await startEmulator({ timeScale: TIME_SCALE });
}, 120_000);
afterAll(() => emulator?.close());

describe("the built package on the system Node", () => {
  const node = systemNode();
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();

  it("is a Node 20 (the oldest supported)", () => {
    expect(version).toMatch(/^v20\./);
  });

  it("streams a reply through the emulator from CommonJS", async () => {
    const chatId = 777;
    // Asynchronous: the emulator answers from this process while the child runs.
    const run = await promisify(execFile)(node, [join(root, "test/node20/stream-reply.cjs")], {
      cwd: root,
      encoding: "utf8",
      env: {
        ...process.env,
        API_ROOT: emulator.apiRoot,
        CHAT_ID: String(chatId),
        TIME_SCALE: String(TIME_SCALE),
      },
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout);
    expect(out.node).toBe(version);
    expect(out.messages).toEqual(["Streamed from Node 20: done."]);
    expect(out.entities[0]).toEqual([{ type: "bold", offset: 9, length: 4 }]);
    const seen = emulator.visibleMessages(chatId).map((m) => m.versions.at(-1)?.text);
    expect(seen).toEqual(["Streamed from Node 20: done."]);
    expect(emulator.stats().tooManyRequests).toBe(0);
  });

  it("loads the ESM build and the core subpath", () => {
    const run = spawnSync(node, [join(root, "test/node20/import-esm.mjs")], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({ node: version, ok: true });
  });
});
