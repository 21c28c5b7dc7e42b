/**
 * Accumulates visible text and the entities that format it, keeping the result
 * valid for Telegram by construction: entities only ever nest like a stack, an
 * entity that Telegram would drop is never emitted, and bold/italic/underline/
 * strikethrough are split around inline code instead of containing it.
 *
 * Layout is lazy: block breaks, list indentation and the space after a list
 * marker are written only when more visible text follows, and an entity
 * starts at its first visible character. So nothing renders as a dangling
 * newline, an indented empty line or an empty entity. Blocks and the whole
 * text end without trailing whitespace.
 */
import type { FormattedText, MessageEntity } from "../types.js";
import {
  type EntityType,
  isCodeLike,
  isQuote,
  isSplittable,
  nestingProblem,
} from "./entity-rules.js";

/** Extra fields of an entity: `url` for `text_link`, `language` for `pre`. */
export interface EntityAttributes {
  url?: string;
  language?: string;
}

/** An entity opened with {@link FormattedTextBuilder.open}; pass it back to `close`. */
export interface EntityHandle {
  /** The type the entity was opened with. */
  readonly type: EntityType;
  /** False when the nesting rules dropped it: its text is still shown, unformatted. */
  readonly emitted: boolean;
}

interface OpenEntity extends EntityHandle {
  readonly attributes: EntityAttributes;
  /** Opening order, so that equal ranges sort outer entity first. */
  readonly order: number;
  /** Where the current piece starts; undefined until visible text arrives. */
  start: number | undefined;
  /** True while a code entity inside it is open (Telegram cannot show bold code). */
  suspended: boolean;
  /** The splittable entities this code entity suspended, to resume on close. */
  readonly suspends: OpenEntity[];
  /** Every piece written for this entity (more than one when split around code). */
  readonly pieces: MessageEntity[];
}

interface PlacedEntity {
  entity: MessageEntity;
  order: number;
}

/** Builds one {@link FormattedText}; see the module comment for the layout rules. */
export class FormattedTextBuilder {
  #text = "";
  readonly #placed: PlacedEntity[] = [];
  readonly #open: OpenEntity[] = [];
  #order = 0;
  #pendingBreak = 0;
  #pendingSpace = false;
  #atLineStart = false;
  readonly #indents: string[] = [];
  #indentSuppressed = 0;

  /** Number of UTF-16 units written so far. */
  get length(): number {
    return this.#text.length;
  }

  /** The text written between two offsets, e.g. to measure a closed block quote. */
  slice(start: number, end: number): string {
    return this.#text.slice(start, end);
  }

  /**
   * Open an entity. It covers the text appended until the matching `close`.
   * When Telegram would not accept it where it is (see `entity-rules.ts`) the
   * handle is returned with `emitted` false and the text stays plain; code
   * inside a spoiler or a link likewise stays plain, so secrets stay hidden and
   * links stay whole.
   */
  open(type: EntityType, attributes: EntityAttributes = {}): EntityHandle {
    const outers = this.#open.filter((entity) => entity.emitted);
    const blocking = outers.filter((outer) => nestingProblem(outer.type, type) !== undefined);
    const splitAround =
      isCodeLike(type) &&
      blocking.every((outer) => isSplittable(outer.type) && outer.type !== "spoiler");
    const emitted = blocking.length === 0 || splitAround;
    const entity: OpenEntity = {
      type,
      emitted,
      attributes,
      order: this.#order++,
      start: undefined,
      suspended: false,
      suspends: emitted ? blocking : [],
      pieces: [],
    };
    for (const outer of entity.suspends) {
      this.#endPiece(outer);
      outer.suspended = true;
    }
    if (emitted && isQuote(type)) this.#splitOpenSplittables();
    this.#open.push(entity);
    return entity;
  }

  /**
   * Close an entity (and any still open inside it) and return the pieces
   * written for it, so a caller can still adjust their type (a block quote
   * that turned out long becomes expandable).
   */
  close(handle: EntityHandle): MessageEntity[] {
    const index = this.#open.indexOf(handle as OpenEntity);
    if (index === -1) return [];
    while (this.#open.length > index + 1) this.#closeTop();
    return this.#closeTop();
  }

  /**
   * Ask for a line break (1) or a blank line (2) before the next visible text.
   * Breaks do not add up: two requests for a blank line give one blank line.
   */
  separate(newlines: 1 | 2): void {
    if (this.#text.length === 0) return;
    this.#pendingBreak = Math.max(this.#pendingBreak, newlines);
    this.#pendingSpace = false;
  }

  /** Append visible text; lines after a newline get the current indentation. */
  append(text: string): void {
    this.#write(text, false);
  }

  /** Append text exactly as given, without indenting its lines (code blocks). */
  appendVerbatim(text: string): void {
    this.#write(text, true);
  }

  /** Append a list marker; the space after it appears only if the item has content on that line. */
  appendMarker(marker: string): void {
    this.#write(marker, false);
    this.#pendingSpace = true;
  }

  /** Indent every line started inside `render` by `prefix` more than the current lines. */
  indented(prefix: string, render: () => void): void {
    this.#indents.push(prefix);
    try {
      render();
    } finally {
      this.#indents.pop();
    }
  }

  /** Write the lines started inside `render` without indentation (quotes and code inside lists). */
  unindented(render: () => void): void {
    this.#indentSuppressed++;
    try {
      render();
    } finally {
      this.#indentSuppressed--;
    }
  }

  /**
   * The finished text: open entities are closed, trailing whitespace is
   * removed (Telegram trims it anyway, and it would make the message look
   * different from its next update), entities are clipped to the text and
   * sorted by offset, longer (outer) first.
   */
  build(): FormattedText {
    while (this.#open.length > 0) this.#closeTop();
    this.#trimEnd();
    const entities = this.#placed.filter((placed) => placed.entity.length > 0);
    entities.sort(
      (a, b) =>
        a.entity.offset - b.entity.offset || b.entity.length - a.entity.length || a.order - b.order,
    );
    return { text: this.#text, entities: entities.map((placed) => placed.entity) };
  }

  /** Remove trailing whitespace, clipping the entities that covered it. */
  #trimEnd(): void {
    const length = this.#text.trimEnd().length;
    if (length === this.#text.length) return;
    this.#text = this.#text.slice(0, length);
    for (const { entity } of this.#placed) {
      entity.length = Math.max(0, Math.min(entity.offset + entity.length, length) - entity.offset);
    }
    for (const entity of this.#open) {
      if (entity.start !== undefined && entity.start >= length) entity.start = undefined;
    }
  }

  #write(text: string, verbatim: boolean): void {
    let rest = text;
    while (rest.length > 0) {
      const newline = rest.indexOf("\n");
      const piece = newline === -1 ? rest : rest.slice(0, newline + 1);
      rest = newline === -1 ? "" : rest.slice(newline + 1);
      this.#flushLayout(piece === "\n");
      this.#startPieces();
      this.#text += piece;
      if (piece.endsWith("\n")) {
        this.#atLineStart = !verbatim;
        this.#pendingSpace = false;
      }
    }
  }

  /** Write the breaks, indentation and marker space that were waiting for text. */
  #flushLayout(blankLine: boolean): void {
    if (this.#pendingBreak > 0) {
      // A block ends without trailing whitespace, as the whole text does.
      this.#trimEnd();
      if (this.#text.length > 0) {
        this.#text += "\n".repeat(this.#pendingBreak);
        this.#atLineStart = true;
      }
      this.#pendingBreak = 0;
    }
    if (this.#atLineStart) {
      this.#atLineStart = false;
      if (!blankLine && this.#indentSuppressed === 0) this.#text += this.#indents.join("");
    } else if (this.#pendingSpace) {
      this.#text += " ";
    }
    this.#pendingSpace = false;
  }

  /** Entities opened since the last visible text start here. */
  #startPieces(): void {
    for (const entity of this.#open) {
      if (entity.emitted && !entity.suspended && entity.start === undefined) {
        entity.start = this.#text.length;
      }
    }
  }

  #endPiece(entity: OpenEntity): void {
    if (entity.start !== undefined && this.#text.length > entity.start) {
      const piece: MessageEntity = {
        type: entity.type,
        offset: entity.start,
        length: this.#text.length - entity.start,
      };
      if (entity.attributes.url !== undefined) piece.url = entity.attributes.url;
      if (entity.attributes.language) piece.language = entity.attributes.language;
      entity.pieces.push(piece);
      this.#placed.push({ entity: piece, order: entity.order });
    }
    entity.start = undefined;
  }

  #closeTop(): MessageEntity[] {
    const entity = this.#open.pop();
    if (entity === undefined) return [];
    if (entity.emitted) this.#endPiece(entity);
    for (const outer of entity.suspends) outer.suspended = false;
    if (entity.emitted && isQuote(entity.type)) this.#splitOpenSplittables();
    return entity.pieces;
  }

  /**
   * End the current piece of every open bold/italic/... at a block quote's
   * border; the next piece starts on the other side. Without this, bold around
   * a quote that contains code (which ends the bold's piece) would end inside
   * the quote and overlap it.
   */
  #splitOpenSplittables(): void {
    for (const outer of this.#open) {
      if (outer.emitted && isSplittable(outer.type)) this.#endPiece(outer);
    }
  }
}
