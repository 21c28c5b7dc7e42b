import { copyFileSync, mkdirSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: { index: "grammy-plugin/index.ts", core: "shared/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    target: "node20",
    // The Markdown parser is ESM-only; bundle it into the CommonJS build so that
    // `require("streamgram")` works on every Node >= 20.
    noExternal: [/^mdast-/, /^micromark/, /^unist-/, /^decode-named-character-reference/, /^character-entities/, /^devlop/, /^markdown-table/, /^ccount/, /^escape-string-regexp/, /^longest-streak/, /^zwitch/],
    external: ["grammy"],
  },
  {
    entry: { "node-red/streamgram": "node-red-node/streamgram.ts" },
    format: ["cjs"],
    target: "node20",
    noExternal: [/.*/],
    external: ["grammy"],
    onSuccess: async () => {
      mkdirSync("dist/node-red/icons", { recursive: true });
      copyFileSync("node-red-node/streamgram.html", "dist/node-red/streamgram.html");
    },
  },
]);
