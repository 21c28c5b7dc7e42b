/**
 * Issue 12's first hour, checked end to end on the system Node (20): a fresh
 * clone's `npm pack` tarball installs into an empty project next to grammY,
 * `@grammyjs/runner` and `openai` (the README's install line), and the
 * README's Quick start, exactly as printed there, answers a user as ESM and
 * as CommonJS. Telegram is the packaged emulator (`npx streamgram-emulator`,
 * reached through `BOT_API_ROOT`), OpenAI a local OpenAI-compatible server
 * (`OPENAI_BASE_URL`).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import {
  installIntoEmptyProject,
  type PackReport,
  packFreshClone,
  repoRoot,
  systemEnv,
  systemNode,
} from "./packed.js";

const ANSWER = "Hello from the **Quick start**, streamed on Node 20.";
const SHOWN = "Hello from the Quick start, streamed on Node 20.";

let dir: string;
let pack: PackReport & { tarball: string };
let app: string;
let installOutput: string;
let openai: OpenAIServer;
let emulator: ChildProcess | undefined;
let apiRoot: string;
const bots = new Set<ChildProcess>();

/** Wait until `read()` matches `pattern`, or fail with what was read. */
async function waitForOutput(read: () => string, pattern: RegExp, what: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match[1] ?? match[0];
    if (Date.now() > deadline)
      throw new Error(`${what}: no ${pattern} in ${JSON.stringify(read())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Start a process on the system Node, collecting its output. */
function startNode(args: string[], env: Record<string, string>) {
  const child = spawn(systemNode(), args, { cwd: app, env: systemEnv(env) });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  return { child, output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await once(child, "exit");
}

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${apiRoot}/__emulator/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as Record<string, unknown>;
}

/** The README's Quick start section. */
function quickStart(): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  return readme.slice(readme.indexOf("## Quick start"));
}

/** The Quick start's code block, as printed. */
function quickStartSource(): string {
  const block = /```ts\n([\s\S]*?)```/.exec(quickStart())?.[1];
  if (!block) throw new Error("README.md has no ts block under ## Quick start");
  return block;
}

/** The packages the Quick start's install line installs, as printed. */
function quickStartPackages(): string[] {
  const line = /```sh\n(npm install [^\n]+)\n```/.exec(quickStart())?.[1];
  if (!line) throw new Error("README.md has no npm install line under ## Quick start");
  return line.split(/\s+/).slice(2);
}

/** The same code as JavaScript in `module` format (types removed, nothing else changed). */
function transpile(source: string, module: ts.ModuleKind): string {
  return ts.transpileModule(source, {
    compilerOptions: { module, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "streamgram-first-hour-"));
  pack = await packFreshClone(dir);
  // The README's install line, with the tarball in place of the registry's streamgram.
  const packages = quickStartPackages().map((name) =>
    name === "streamgram" ? pack.tarball : name,
  );
  ({ app, output: installOutput } = await installIntoEmptyProject(dir, packages));
  openai = await startOpenAIServer([
    { text: ANSWER.slice(0, 20) },
    { delay: 30 },
    { text: ANSWER.slice(20) },
  ]);
  // The packaged command, as `npx streamgram-emulator` runs it, on Node 20.
  const started = startNode(
    [join(app, "node_modules/.bin/streamgram-emulator"), "--port", "0"],
    {},
  );
  emulator = started.child;
  apiRoot = await waitForOutput(
    () => started.output.stdout,
    /API root: (http:\/\/127\.0\.0\.1:\d+)/,
    "streamgram-emulator",
  );
}, 600_000);

afterAll(async () => {
  for (const bot of bots) await stop(bot);
  if (emulator) await stop(emulator);
  await openai?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a fresh clone's tarball", () => {
  it("ships the build, the emulator and its reference, the license and the Node-RED flows, and nothing that imports outside it", () => {
    const paths = pack.files.map((f) => f.path).sort();
    for (const needed of [
      "LICENSE",
      "README.md",
      "package.json",
      "dist/index.js",
      "dist/index.cjs",
      "dist/index.d.ts",
      "dist/core.js",
      "dist/core.cjs",
      "dist/emulator.js",
      "dist/emulator.cjs",
      "dist/emulator.d.ts",
      "dist/emulator-cli.js",
      "dist/node-red/streamgram.cjs",
      "test/emulator/README.md",
    ]) {
      expect(paths).toContain(needed);
    }
    for (const path of paths) {
      expect(path).toMatch(
        /^(LICENSE|README\.md|package\.json|dist\/.+\.(js|cjs|d\.ts|d\.cts|html|svg)|examples\/node-red\/[^/]+\.json|test\/emulator\/README\.md)$/,
      );
    }
    expect(readFileSync(join(repoRoot, "LICENSE"), "utf8")).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 streamgram contributors\n/,
    );
  });

  it("installs on Node 20 with the README's install line, without an engine warning from streamgram", () => {
    expect(installOutput).not.toMatch(/EBADENGINE[\s\S]{0,40}streamgram/);
    const installed = JSON.parse(
      readFileSync(join(app, "node_modules/streamgram/package.json"), "utf8"),
    );
    expect(installed.version).toBe(
      JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version,
    );
  });

  it("loads streamgram/emulator from ESM and CommonJS on Node 20", async () => {
    const run = promisify(execFile);
    const esm = await run(
      systemNode(),
      [
        "--input-type=module",
        "-e",
        'const { startEmulator } = await import("streamgram/emulator"); const e = await startEmulator(); console.log(process.version, e.apiRoot); await e.close();',
      ],
      { cwd: app, env: systemEnv() },
    );
    expect(esm.stdout).toMatch(/^v20\.\d+\.\d+ http:\/\/127\.0\.0\.1:\d+\n$/);
    const cjs = await run(
      systemNode(),
      [
        "-e",
        'const { startEmulator } = require("streamgram/emulator"); startEmulator().then(async (e) => { console.log(process.version, e.apiRoot); await e.close(); });',
      ],
      { cwd: app, env: systemEnv() },
    );
    expect(cjs.stdout).toMatch(/^v20\.\d+\.\d+ http:\/\/127\.0\.0\.1:\d+\n$/);
  });
});

describe("the README's Quick start, from the tarball, on Node 20", () => {
  it("installs what it imports with the README's install line", () => {
    const imports = [...quickStartSource().matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    const installed = quickStartPackages();
    expect(installed).toContain("streamgram");
    for (const name of imports) expect(installed).toContain(name);
  });

  for (const [format, file, module] of [
    ["ESM", "quick-start.mjs", ts.ModuleKind.ESNext],
    ["CommonJS", "quick-start.cjs", ts.ModuleKind.CommonJS],
  ] as const) {
    it(`answers a user's message as ${format}`, async () => {
      writeFileSync(join(app, file), transpile(quickStartSource(), module));
      const chatId = format === "ESM" ? 2001 : 2002;
      const bot = startNode([file], {
        BOT_TOKEN: "123456:quick-start-secret",
        BOT_API_ROOT: apiRoot,
        OPENAI_API_KEY: "test-key",
        OPENAI_BASE_URL: openai.baseURL,
      });
      bots.add(bot.child);
      const sent = await control("messages", { chat_id: chatId, text: `Hi from ${format}` });
      expect(sent).toMatchObject({ ok: true });
      const line = await waitForOutput(
        () => bot.output.stdout,
        /^(\d+ message\(s\), \d+ sends)$/m,
        `Quick start (${format})`,
      );
      expect(line).toBe("1 message(s), 1 sends");
      await stop(bot.child);
      expect(bot.output.stderr).toBe("");

      const chat = (await control(`chats/${chatId}`)).result as {
        text: string;
        timeline: { drafts: unknown[]; messages: { versions: { entities: unknown[] }[] }[] };
      };
      expect(chat.text).toBe(SHOWN);
      expect(chat.timeline.drafts.length).toBeGreaterThan(0);
      expect(chat.timeline.messages[0]?.versions.at(-1)?.entities).toEqual([
        { type: "bold", offset: 15, length: 11 },
      ]);
      const request = openai.requests.find((r) =>
        JSON.stringify(r.body.messages).includes(`Hi from ${format}`),
      );
      expect(request?.body).toMatchObject({ model: "gpt-4o-mini", stream: true });
    }, 60_000);
  }
});
