/**
 * Start and drive replicas of one bot (`bot-process.ts`) as real child
 * processes sharing one token, one emulator and one redis-server.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Update } from "grammy/types";

const SCRIPT = fileURLToPath(new URL("./bot-process.ts", import.meta.url));

/** A message a replica sent to the test. */
export interface ReplicaMessage {
  type: string;
  chatId?: number;
  at?: number;
  aborted?: boolean;
  text?: string;
  error?: string;
}

/** One running replica. */
export interface Replica {
  name: string;
  child: ChildProcess;
  /** Every message received so far. */
  messages: ReplicaMessage[];
  /** Hand an update to this replica (as a load balancer would). */
  handle(update: Update): void;
  /** Resolves with the first message (already received or later) that matches. */
  next(predicate: (m: ReplicaMessage) => boolean, timeoutMs?: number): Promise<ReplicaMessage>;
  /** Resolves with the exit code (or signal) once the process exited. */
  exited: Promise<number | string>;
  /** SIGKILL: the process dies at once, as in a crash or an OOM kill. */
  kill(): void;
}

/** Settings shared by every replica of one test. */
export interface ReplicaSettings {
  apiRoot: string;
  token: string;
  redisUrl: string;
  timeScale: number;
  shutdownMs?: number;
}

/** Start a replica and wait until its hub holds its lease and listens for stop presses. */
export async function startReplica(name: string, settings: ReplicaSettings): Promise<Replica> {
  const child = fork(SCRIPT, [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      API_ROOT: settings.apiRoot,
      BOT_TOKEN: settings.token,
      REDIS_URL: settings.redisUrl,
      TIME_SCALE: String(settings.timeScale),
      SHUTDOWN_MS: String(settings.shutdownMs ?? 2000),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const messages: ReplicaMessage[] = [];
  const waiters = new Set<() => void>();
  child.on("message", (message: ReplicaMessage) => {
    messages.push(message);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const next = (predicate: (m: ReplicaMessage) => boolean, timeoutMs = 15_000) =>
    new Promise<ReplicaMessage>((resolve, reject) => {
      const check = () => {
        const found = messages.find(predicate);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`replica ${name}: no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const replica: Replica = {
    name,
    child,
    messages,
    handle: (update) => child.send({ type: "update", update }),
    next,
    exited,
    kill: () => child.kill("SIGKILL"),
  };
  await Promise.race([
    next((m) => m.type === "ready", 30_000),
    exited.then((code) => {
      throw new Error(`replica ${name} exited before it was ready (${code})`);
    }),
  ]);
  return replica;
}

/** Kill whatever is still running (for afterEach). */
export async function stopReplicas(replicas: Replica[]): Promise<void> {
  for (const replica of replicas) {
    if (replica.child.exitCode === null && replica.child.signalCode === null) replica.kill();
  }
  await Promise.all(replicas.map((r) => r.exited));
}

/** Poll `condition` every 10 ms until it returns a value, or fail after `timeoutMs`. */
export async function eventually<T>(
  condition: () => T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
