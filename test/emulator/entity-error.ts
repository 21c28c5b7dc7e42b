/**
 * The error every text parser and the entity validator throw. The server
 * turns it into `400 Bad Request: can't parse entities: <message>`.
 */
export class EntityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EntityParseError";
  }
}
