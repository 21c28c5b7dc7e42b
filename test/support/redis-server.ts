/**
 * A real `redis-server` (Debian's package) for tests: on a free loopback port,
 * persistence off, stopped by the test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, Socket } from "node:net";

const REDIS_SERVER = "/usr/bin/redis-server";

/** A running redis-server. */
export interface RedisServerHandle {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Stop it (SIGTERM) and wait until it exited. */
  stop(): Promise<void>;
  /** Kill it (SIGKILL), as a crash would, and wait until it exited. */
  kill(): Promise<void>;
  /** Start it again on the same port (empty: persistence is off). */
  restart(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code) => reject(new Error(`redis-server exited at start (code ${code})`)));
    child.once("error", (error) =>
      reject(
        new Error(
          `cannot start ${REDIS_SERVER} (${error.message}); install Debian's redis-server package`,
        ),
      ),
    );
  });
  exited.catch(() => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await Promise.race([answersPing(port), exited])) return child;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** Start a redis-server on a free loopback port with persistence off. */
export async function startRedisServer(): Promise<RedisServerHandle> {
  const port = await freePort();
  let child = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => end(child, "SIGTERM"),
    kill: () => end(child, "SIGKILL"),
    async restart() {
      await end(child, "SIGKILL");
      child = await launch(port);
    },
  };
}
