/**
 * What the package ships for Node-RED: the bundle the project's own tsup
 * configuration builds (into a temporary directory), loaded the way Node-RED
 * loads an installed node, streaming against the emulator.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { build, type Options } from "tsup";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StreamResult } from "../../shared/result.js";
import tsupConfig from "../../tsup.config.js";
import { loadHarness, unloadHarness, visibleTexts, waitFor } from "./harness.js";

const require = createRequire(import.meta.url);
const packageJson = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as {
  "node-red": { nodes: Record<string, string> };
};

/** The tsup config entry that builds the Node-RED node. */
function nodeRedBuild(): Options {
  const configs = (Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig]) as Options[];
  const found = configs.find(
    (config) =>
      typeof config.entry === "object" &&
      !Array.isArray(config.entry) &&
      "node-red/streamgram" in config.entry,
  );
  if (!found) throw new Error("tsup.config.ts has no build for node-red/streamgram");
  return found;
}

let outDir = "";
/** The built module as `require` returns it. */
let built: { __esModule?: boolean; default?: unknown } | undefined;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "streamgram-node-red-"));
  // The project's settings, but into a temporary directory and without copying files into dist/.
  await build({
    ...nodeRedBuild(),
    outDir,
    config: false,
    silent: true,
    onSuccess: undefined,
    clean: false,
  });
  built = require(join(outDir, "node-red", "streamgram.cjs"));
}, 120_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

afterEach(unloadHarness);

describe("the built Node-RED bundle", () => {
  it("is the file package.json names, and exports the function Node-RED calls", () => {
    expect(basename(packageJson["node-red"].nodes.streamgram ?? "")).toBe("streamgram.cjs");
    // Node-RED's loader takes `default` from an ES module compiled to CommonJS.
    const entry = built?.__esModule ? built.default : built;
    expect(typeof entry).toBe("function");
  });

  it("streams a reply through the grammY it bundles", async () => {
    const entry = built?.__esModule ? built.default : built;
    const h = await loadHarness({ nodeModule: entry });
    h.send({ payload: "Built, ", chatId: 42 });
    h.send({ payload: "bundled and **streamed**.", chatId: 42 });
    h.send({ event: "done", chatId: 42 });
    const result = (await waitFor(() => h.results[0], 10_000)).payload as StreamResult;
    expect(result.text).toBe("Built, bundled and **streamed**.");
    expect(visibleTexts(h.emulator, 42)).toEqual(["Built, bundled and streamed."]);
  });
});
