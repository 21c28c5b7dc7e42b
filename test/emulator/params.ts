/**
 * Call parameters: decoding a request body the way the Bot API does, and
 * reading typed values out of it with Telegram-style errors.
 */

import { badRequest } from "./errors.js";

/** Fields that carry JSON objects or arrays; in form bodies they arrive JSON-encoded. */
const JSON_FIELDS = new Set([
  "entities",
  "reply_parameters",
  "reply_markup",
  "link_preview_options",
  "allowed_updates",
  "rich_message",
]);

/**
 * Decode a request into one parameter object. JSON bodies are taken as they
 * are; `application/x-www-form-urlencoded` bodies and the query string give
 * strings, and the object fields among them are JSON-decoded, as Telegram does.
 *
 * @throws ApiError 400 for an unparsable JSON body.
 */
export function decodeParams(
  body: string,
  contentType: string | undefined,
  query: URLSearchParams,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const addFormFields = (fields: URLSearchParams) => {
    for (const [name, value] of fields) {
      params[name] = JSON_FIELDS.has(name) ? tryJson(value) : value;
    }
  };
  addFormFields(query);
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (body.trim() === "") return params;
  if (type === "application/x-www-form-urlencoded") {
    addFormFields(new URLSearchParams(body));
    return params;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw badRequest("can't parse request JSON object");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("request JSON must be an object");
  }
  return { ...params, ...(parsed as Record<string, unknown>) };
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Typed reads of one call's parameters. Numbers may arrive as numeric strings (form bodies). */
export class Params {
  constructor(readonly raw: Record<string, unknown>) {}

  /** True if the parameter is present and not null. */
  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  /**
   * An integer parameter, or undefined when absent.
   * @throws ApiError 400 when present but not an integer.
   */
  int(name: string): number | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    const number =
      typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isSafeInteger(number)) {
      throw badRequest(`field "${name}" must be an Integer`);
    }
    return number;
  }

  /**
   * A string parameter, or undefined when absent; numbers are turned into strings.
   * @throws ApiError 400 for objects and arrays.
   */
  string(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    throw badRequest(`field "${name}" must be a String`);
  }

  /** A boolean parameter: true, "true" or "1" are true; absent is false. */
  bool(name: string): boolean {
    const value = this.raw[name];
    return value === true || value === "true" || value === "1" || value === 1;
  }

  /** A parameter given as a JSON object, or undefined when absent. */
  object(name: string): Record<string, unknown> | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw badRequest(`field "${name}" must be an Object`);
    }
    return value as Record<string, unknown>;
  }
}
