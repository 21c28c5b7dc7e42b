/**
 * The package as a user gets it: a copy of the repository as a fresh clone
 * has it (tracked files only: no dist/, no node_modules/), packed with
 * `npm pack` (whose `prepack` builds dist/), and the tarball installed into an
 * empty project by the system Node's npm, from the local cache where it can.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository this test runs in. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The machine's own Node, not the pinned toolchain in node_modules/.bin that runs the tests. */
export function systemNode(): string {
  for (const candidate of [process.env.SYSTEM_NODE, "/usr/bin/node", "/usr/local/bin/node"]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error("no system Node found: set SYSTEM_NODE to a Node 20 binary");
}

/** npm's own script, run by the system Node (`/usr/bin/npm` is a link to it). */
function systemNpm(): string {
  for (const candidate of [process.env.SYSTEM_NPM, "/usr/bin/npm", "/usr/local/bin/npm"]) {
    if (candidate && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error("no system npm found: set SYSTEM_NPM to npm-cli.js");
}

/** The environment without the repository's node_modules/.bin, so `node` is the system's. */
export function systemEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? "")
    .split(":")
    .filter((dir) => !dir.includes("node_modules"))
    .join(":");
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path, ...extra };
  // npm run sets these for the test run; a user's shell has none of them.
  for (const key of Object.keys(env)) if (key.startsWith("npm_")) delete env[key];
  return env;
}

/** What `npm pack --json` reports. */
export interface PackReport {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

/**
 * Copy the files git tracks (and new files not ignored) into `dir/clone`,
 * as a fresh clone has them; link the repository's node_modules instead of
 * installing it again (offline, and the same locked versions); then
 * `npm pack` it into `dir`.
 */
export async function packFreshClone(dir: string): Promise<PackReport & { tarball: string }> {
  const clone = join(dir, "clone");
  const { stdout } = await run(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  for (const file of stdout.split("\0")) {
    if (file === "" || !existsSync(join(repoRoot, file))) continue;
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(clone, file));
  }
  if (existsSync(join(clone, "dist"))) throw new Error("a fresh clone has no dist/");
  symlinkSync(join(repoRoot, "node_modules"), join(clone, "node_modules"), "dir");
  // The repository's npm and pinned Node, as a contributor runs `npm pack`.
  const packed = await run("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: clone,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  // prepack's build output comes first; the JSON report is the last thing printed.
  const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("\n[") + 1))[0] as PackReport;
  return { ...report, tarball: join(dir, report.filename) };
}

/**
 * Create an empty project in `dir/app` and install `packages` into it with
 * the system Node's npm, preferring the local cache (the registry is only
 * asked for what the cache lacks). Returns the project's path and npm's output.
 */
export async function installIntoEmptyProject(
  dir: string,
  packages: string[],
): Promise<{ app: string; output: string }> {
  const app = join(dir, "app");
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  const installed = await run(
    systemNode(),
    [systemNpm(), "install", "--prefer-offline", "--no-audit", "--no-fund", ...packages],
    { cwd: app, encoding: "utf8", env: systemEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
  return { app, output: installed.stdout + installed.stderr };
}
