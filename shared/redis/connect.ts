/**
 * Make an `ioredis` client from a URL, for hosts that take a URL rather than
 * a client (the Node-RED bot config node, the example bots). `ioredis` is an
 * optional peer dependency: it is loaded only here, when a URL is given.
 */
import { createRequire } from "node:module";
import type { RedisClient } from "./connection.js";

/** Not a literal in `require()`, so bundlers leave ioredis to be installed next to the app. */
const IOREDIS = "ioredis";

type RedisConstructor = new (url: string, options?: Record<string, unknown>) => RedisClient;

function loadIoredis(): RedisConstructor {
  // `__filename` in CommonJS builds (where `import.meta` is empty), the module's URL in ES modules.
  const load = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
  let loaded: { Redis?: RedisConstructor; default?: RedisConstructor };
  try {
    loaded = load(IOREDIS) as typeof loaded;
  } catch {
    throw new Error(
      'streamgram: a Redis URL needs the "ioredis" package next to your app: npm install ioredis',
    );
  }
  const Redis = loaded.Redis ?? loaded.default;
  if (typeof Redis !== "function") throw new Error('streamgram: "ioredis" exports no Redis class');
  return Redis;
}

/**
 * An `ioredis` client for `url` (`redis://[:password@]host:port[/db]` or
 * `rediss://` for TLS). It connects in the background and reconnects by
 * itself; the caller owns it and closes it with `quit()`. The URL (which may
 * hold a password) is never put in an error message.
 * @throws TypeError for a URL of another scheme; Error when ioredis is not installed.
 */
export function createRedisClient(url: string): RedisClient {
  if (typeof url !== "string" || !/^rediss?:\/\/\S+$/.test(url.trim())) {
    throw new TypeError("Redis URL must start with redis:// or rediss://");
  }
  const Redis = loadIoredis();
  const client = new Redis(url.trim(), { maxRetriesPerRequest: 2 });
  // Without a listener, a refused connection would be an unhandled 'error' event.
  client.on("error", () => {});
  return client;
}
