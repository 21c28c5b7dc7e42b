import { redactToken } from "../shared/index.js";

/** The text fields of an error that may quote a request URL. */
const TEXT_FIELDS = ["message", "stack", "description"] as const;

/** How deep to follow `cause` / `error` links; real chains are two or three long. */
const MAX_DEPTH = 8;

/**
 * Remove bot tokens from an error before it leaves the plugin, and return it.
 *
 * grammY's request URLs contain the token (`/bot<token>/sendMessage`), and the
 * errors of its HTTP client quote them: `HttpError.error` holds node-fetch's
 * `FetchError`, whose message is "request to <url> failed", and with
 * `sensitiveLogs` the `HttpError`'s own message does too. Anything that might
 * end up in a log is cleaned: `message`, `stack` and `description` (grammY's
 * copy of Telegram's error text, which a transformer could fill) of the error
 * and of every error it links to through `cause` or `error`.
 *
 * The error is cleaned in place, so it keeps its class, its `partialResultOf`
 * data and every other field. Only an error that cannot be changed (frozen) is
 * replaced by a plain `Error` with the cleaned message. Thrown values that are
 * not `Error`s (plain objects such as `{ description }`) are cleaned the same
 * way, and so is every error in an `AggregateError`'s `errors`.
 *
 * @param token a token to remove even where it does not look like one.
 */
export function redactError(error: unknown, token?: string): unknown {
  return redactValue(error, token, 0, new Set());
}

function redactString(text: string, token: string | undefined): string {
  const redacted = redactToken(text);
  return token ? redacted.split(token).join("<redacted-token>") : redacted;
}

function redactValue(
  error: unknown,
  token: string | undefined,
  depth: number,
  seen: Set<object>,
): unknown {
  if (typeof error === "string") return redactString(error, token);
  if (typeof error !== "object" || error === null || seen.has(error) || depth > MAX_DEPTH)
    return error;
  seen.add(error);
  const fields = error as Record<string, unknown>;
  const dirty = TEXT_FIELDS.filter(
    (field) =>
      typeof fields[field] === "string" && redactString(fields[field], token) !== fields[field],
  );
  if (dirty.length > 0) {
    if (Object.isFrozen(error)) {
      const replacement = new Error(redactString(String(fields.message ?? ""), token));
      replacement.name = String(fields.name ?? "Error");
      return replacement;
    }
    for (const field of dirty) setOwn(error, field, redactString(fields[field] as string, token));
  }
  for (const link of ["cause", "error"] as const) {
    const inner = fields[link];
    if (inner === undefined || inner === null) continue;
    const cleaned = redactValue(inner, token, depth + 1, seen);
    if (cleaned !== inner) setOwn(error, link, cleaned);
  }
  // AggregateError (Promise.any, several failed attempts) keeps its errors in an array.
  if (Array.isArray(fields.errors)) {
    const errors = fields.errors as unknown[];
    errors.forEach((inner, index) => {
      const cleaned = redactValue(inner, token, depth + 1, seen);
      if (cleaned !== inner && !Object.isFrozen(errors)) errors[index] = cleaned;
    });
  }
  return error;
}

/** Replace a property's value, keeping whether it is enumerable, even where it was read-only but configurable. */
function setOwn(target: object, key: string, value: unknown): void {
  const enumerable = Object.getOwnPropertyDescriptor(target, key)?.enumerable ?? false;
  try {
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable });
  } catch {
    // A non-configurable property we cannot change; the error stays as it is.
  }
}
