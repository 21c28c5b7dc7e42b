/**
 * `npm run demo` as a process manager runs it: started through npm, stopped
 * by SIGTERM to the npm process only. The demo must not outlive npm.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

let npm: ChildProcess | undefined;
afterEach(() => {
  if (npm?.exitCode === null) npm.kill("SIGKILL");
});

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("npm run demo as a process", () => {
  it("frees its port within a few seconds when only the npm process gets SIGTERM", async () => {
    npm = spawn("npm", ["run", "demo"], {
      cwd: root,
      env: { ...process.env, PORT: "0", BOT_TOKEN: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    npm.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    let port = 0;
    while (port === 0) {
      if (Date.now() > deadline || npm.exitCode !== null)
        throw new Error(`demo did not start: ${out}`);
      port = Number(/Open http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1] ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await listening(port)).toBe(true);

    npm.kill("SIGTERM");
    await once(npm, "exit");
    const stoppedBy = Date.now() + 5000;
    while ((await listening(port)) && Date.now() < stoppedBy) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await listening(port)).toBe(false);
  }, 60_000);
});
