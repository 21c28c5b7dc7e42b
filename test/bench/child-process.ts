/**
 * Running one of the bench's measurements in a process of its own, so nothing
 * else of the bench is on its heap or its event loop, and reading back the
 * JSON it prints.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Run the module at `moduleUrl` as `node [--expose-gc] --import tsx <module> --child`
 * and resolve with the JSON it writes on stdout.
 * @param what names the measurement in the error when the process fails.
 */
export function measureInChildProcess<T>(
  moduleUrl: string,
  what: string,
  options: { exposeGc?: boolean } = {},
): Promise<T> {
  const script = fileURLToPath(moduleUrl);
  const flags = options.exposeGc ? ["--expose-gc"] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, "--import", "tsx", script, "--child"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`${what} exited with code ${code}`));
      else resolve(JSON.parse(output) as T);
    });
  });
}

/**
 * The child's side of {@link measureInChildProcess}: when the module at
 * `moduleUrl` runs as `<module> --child`, run `measure`, print its figures as
 * JSON and exit (timers the measurement left behind, such as paced finals, are
 * not part of it).
 */
export function answerAsChildProcess(moduleUrl: string, measure: () => Promise<unknown>): void {
  if (!process.argv.includes("--child") || process.argv[1] !== fileURLToPath(moduleUrl)) return;
  measure().then(
    (figures) => {
      process.stdout.write(JSON.stringify(figures));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
