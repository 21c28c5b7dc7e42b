/**
 * A real Redis for tests: Debian's `redis-server` on a free loopback port,
 * persistence off, one per caller. A missing binary fails the test with the
 * command that installs it; nothing is skipped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";

/** Where Debian's `redis-server` package puts the server. */
export const REDIS_SERVER_PATH = "/usr/bin/redis-server";

/** A running `redis-server` of one test. */
export interface RedisServer {
  /** The loopback port it listens on (the same after a restart). */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, for `new Redis(url)`. */
  readonly url: string;
  /** Shut it down (SIGTERM) and wait until it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Kill it (SIGKILL), as a crash would, and wait until it has exited. Idempotent. */
  kill(): Promise<void>;
  /** Start it again on the same port (killing it first if it still runs); resolves once it answers PING. Its data is gone. */
  restart(): Promise<void>;
}

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Whether a Redis on `port` answers PING. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(500, () => socket.destroy());
    socket.once("error", () => resolve(false));
    socket.once("close", () => resolve(reply.startsWith("+PONG")));
    socket.on("data", (data) => {
      reply += data.toString();
      if (reply.includes("\r\n")) socket.end();
    });
    socket.once("connect", () => socket.write("PING\r\n"));
  });
}

function spawnServer(port: number): ChildProcess {
  const child = spawn(
    REDIS_SERVER_PATH,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr?.resume();
  return child;
}

async function waitReady(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`redis-server exited at start (port ${port}, code ${child.exitCode})`);
    if (await pings(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port} within 10 s`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Every server still running, killed when the test process exits. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Start a `redis-server` on a free loopback port with persistence off
 * (`--save '' --appendonly no`); resolves once it answers PING.
 * @throws Error naming the install command when the binary is missing.
 */
export async function startRedisServer(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER_PATH)) {
    throw new Error(
      `redis-server not found at ${REDIS_SERVER_PATH}. Install it with: apt-get install -y redis-server`,
    );
  }
  const port = await freePort();
  let child = spawnServer(port);
  running.add(child);
  await waitReady(child, port);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited(child);
    running.delete(child);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    restart: async () => {
      await end("SIGKILL");
      child = spawnServer(port);
      running.add(child);
      await waitReady(child, port);
    },
  };
}
