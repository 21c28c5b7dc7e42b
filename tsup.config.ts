import { cpSync, mkdirSync } from "node:fs";
import { defineConfig } from "tsup";

// `streamgram/emulator`: the Telegram Bot API emulator, for users' own tests. It imports
// only Node's built-ins (and types), so it adds nothing to the runtime dependencies.
const entry = {
  index: "grammy-plugin/index.ts",
  core: "shared/index.ts",
  emulator: "test/emulator/index.ts",
};

export default defineConfig([
  {
    // ESM: dependencies stay external, as npm installed them. The `streamgram-emulator`
    // command (ESM only, no types) shares the emulator's code through a chunk.
    entry: { ...entry, "emulator-cli": "test/emulator/cli.ts" },
    format: ["esm"],
    dts: { entry },
    clean: true,
    target: "node20",
    external: ["grammy"],
  },
  {
    // CommonJS: the Markdown parser (mdast/micromark) is ESM-only, so it is bundled
    // in; `require("streamgram")` then works on every Node >= 20.
    entry,
    format: ["cjs"],
    dts: true,
    target: "node20",
    noExternal: [
      /^mdast-/,
      /^micromark/,
      /^unist-/,
      /^decode-named-character-reference/,
      /^character-entities/,
      /^devlop/,
      /^markdown-table/,
      /^ccount/,
      /^escape-string-regexp/,
      /^longest-streak/,
      /^zwitch/,
    ],
    external: ["grammy"],
  },
  {
    // The Node-RED node is self-contained (grammY included): installing it from
    // the palette needs nothing else.
    entry: { "node-red/streamgram": "node-red-node/streamgram.ts" },
    format: ["cjs"],
    target: "node20",
    noExternal: [/.*/],
    // node-fetch (inside grammY) checks the AbortSignal class by name; esbuild's
    // renaming would make every call fail.
    keepNames: true,
    onSuccess: async () => {
      mkdirSync("dist/node-red", { recursive: true });
      cpSync("node-red-node/streamgram.html", "dist/node-red/streamgram.html");
      cpSync("node-red-node/icons", "dist/node-red/icons", { recursive: true });
    },
  },
]);
