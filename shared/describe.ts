/**
 * A short description of a value for error messages: its type and shape
 * (length, class, keys), never its whole content, which may be long or private.
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `a string of length ${value.length}`;
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${String(value)}`;
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
  }
  const record = value as Record<string, unknown>;
  if (typeof record.then === "function") return "a Promise";
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.length} bytes`;
  if (typeof record.type === "string") return `an object with type ${JSON.stringify(record.type)}`;
  const className = (value as object).constructor?.name;
  const prefix = className !== undefined && className !== "Object" ? `a ${className}` : "an object";
  const keys = Object.keys(record);
  if (keys.length === 0) return `${prefix} with no own keys`;
  const shown = keys.slice(0, 6).join(", ");
  return `${prefix} with keys {${shown}${keys.length > 6 ? ", ..." : ""}}`;
}
