// Runs under the system Node (20): the ESM build loads and exposes the same API.
import { markdownFormatter, StreamHub, streaming, streamMessage } from "streamgram";
import * as core from "streamgram/core";

const ok =
  typeof streaming === "function" &&
  typeof streamMessage === "function" &&
  typeof StreamHub === "function" &&
  typeof core.StreamHub === "function";
process.stdout.write(
  JSON.stringify({ node: process.version, ok, markdown: markdownFormatter.render("**b**", true) }),
);
