/**
 * Keeping the bot token out of everything the node logs or hands to the flow.
 * Node-RED logs every error it is given and copies its message and stack into
 * the msg a Catch node receives, so errors are scrubbed before they leave.
 */
import { redactToken } from "../shared/errors.js";

const REDACTED = "<redacted-token>";

/** `text` without `token` and without anything shaped like a bot token. */
export function scrubText(text: string, token: string | undefined): string {
  const withoutToken = token ? text.split(token).join(REDACTED) : text;
  return redactToken(withoutToken);
}

/**
 * `error` with the token removed from its message and stack. Returns the same
 * object when there was nothing to remove, so its own fields (`reason`,
 * `undeliveredText`, ...) stay available; otherwise a plain `Error` with the
 * same name and the scrubbed text.
 */
export function scrubError(error: unknown, token: string | undefined): unknown {
  if (typeof error === "string") return scrubText(error, token);
  if (!(error instanceof Error)) return error;
  const message = scrubText(error.message, token);
  const stack = error.stack === undefined ? undefined : scrubText(error.stack, token);
  if (message === error.message && stack === error.stack) return error;
  const clean = new Error(message);
  clean.name = error.name;
  clean.stack = stack;
  return clean;
}
