/**
 * UTF-8 decoding for byte streams that arrive in arbitrary pieces.
 */

/**
 * Decodes UTF-8 bytes chunk by chunk. A multi-byte character split across two
 * chunks comes out whole, once its last byte has arrived: the decoder keeps
 * the incomplete tail of one chunk and completes it with the next.
 *
 * Invalid bytes become U+FFFD (the replacement character) rather than an
 * error, as browsers do; a byte-order mark at the very start is dropped.
 * One decoder serves one stream: create a new one per stream.
 */
export class Utf8ChunkDecoder {
  readonly #decoder = new TextDecoder("utf-8");

  /** Decode one chunk; returns the complete characters so far (possibly ""). */
  decode(bytes: Uint8Array): string {
    return this.#decoder.decode(bytes, { stream: true });
  }

  /**
   * End the stream: returns what was still held back. That is "" when the
   * bytes ended on a character boundary, or U+FFFD for a truncated character.
   * The decoder can then start a new stream.
   */
  flush(): string {
    return this.#decoder.decode();
  }
}
