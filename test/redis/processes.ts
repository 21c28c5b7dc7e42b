/** Run bot processes as real child processes (tsx) and collect their reports. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BotJob, BotReport } from "./fixtures/bot-process.js";

const SCRIPT = fileURLToPath(new URL("./fixtures/bot-process.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

/** Start one bot process with `job`; resolves with its report when it exits. */
export function runBotProcess(job: BotJob): Promise<BotReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [SCRIPT, JSON.stringify(job)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (data) => {
      out += data;
    });
    child.stderr.on("data", (data) => {
      err += data;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      if (code === 0 && line) resolve(JSON.parse(line) as BotReport);
      else reject(new Error(`bot process exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}
