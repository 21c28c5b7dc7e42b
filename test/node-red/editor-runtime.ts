/**
 * A real Node-RED (runtime, admin API and editor) with streamgram installed
 * as npm would install it: the project's own build of the node and the
 * example files `npm pack` puts in the tarball, in `<userDir>/node_modules`.
 * For the tests of what a user sees in the editor.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Options } from "tsup";
import tsupConfig from "../../tsup.config.js";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("../../", import.meta.url));

/** A running Node-RED with streamgram installed. */
export interface EditorRuntime {
  /** The editor and admin API, e.g. `http://127.0.0.1:12345/`. */
  url: string;
  stop(): Promise<void>;
}

/** The files `npm pack` would put in the tarball (paths relative to the package). */
export function packedFiles(): string[] {
  const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [pack] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
  return (pack?.files ?? []).map((file) => file.path);
}

/** The tsup config entry that builds the Node-RED node. */
function nodeRedBuild(): Options {
  const configs = (Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig]) as Options[];
  const found = configs.find(
    (config) =>
      typeof config.entry === "object" &&
      !Array.isArray(config.entry) &&
      "node-red/streamgram" in config.entry,
  );
  if (!found) throw new Error("tsup.config.ts has no build for node-red/streamgram");
  return found;
}

/** Install streamgram into a fresh user directory and start Node-RED on a loopback port. */
export async function startEditorRuntime(): Promise<EditorRuntime> {
  const userDir = mkdtempSync(join(tmpdir(), "streamgram-editor-"));
  const moduleDir = join(userDir, "node_modules", "streamgram");
  mkdirSync(moduleDir, { recursive: true });
  await build({
    ...nodeRedBuild(),
    outDir: join(moduleDir, "dist"),
    config: false,
    silent: true,
    onSuccess: undefined,
    clean: false,
  });
  cpSync(
    join(root, "node-red-node/streamgram.html"),
    join(moduleDir, "dist/node-red/streamgram.html"),
  );
  cpSync(join(root, "node-red-node/icons"), join(moduleDir, "dist/node-red/icons"), {
    recursive: true,
  });
  cpSync(join(root, "package.json"), join(moduleDir, "package.json"));
  for (const file of packedFiles().filter((path) => path.startsWith("examples/"))) {
    mkdirSync(dirname(join(moduleDir, file)), { recursive: true });
    cpSync(join(root, file), join(moduleDir, file));
  }
  writeFileSync(join(userDir, "flows.json"), "[]");

  const RED = require("node-red");
  const express = require("express");
  const app = express();
  const server: Server = createServer(app);
  RED.init(server, {
    userDir,
    flowFile: "flows.json",
    credentialSecret: "editor-test",
    httpAdminRoot: "/",
    httpNodeRoot: "/api",
    uiHost: "127.0.0.1",
    logging: { console: { level: "off", audit: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
  });
  app.use("/", RED.httpAdmin);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  await RED.start();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      await RED.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
