// PostgreSQL's binary COPY format: a fixed header, then per row a 16-bit field count and each
// field as a 32-bit length (-1 for NULL) followed by its bytes in network order, then a -1
// trailer. Measured on the ingest benchmark, building it costs about a tenth of formatting the
// same candles as CSV (number-to-text is the expensive part), and both engines read it faster
// (PGlite about twice as fast, since it parses no decimal text).

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TWO_TO_32 = 2 ** 32;

/** Appends rows of typed fields to one growing buffer in PostgreSQL's binary COPY format. */
export class BinaryCopyWriter {
  private buffer: Buffer;
  // DataView's setters compile to plain stores; Buffer's write*BE helpers cost about three times
  // as much per field on the ingest benchmark.
  private view: DataView;
  private offset = 0;

  /** `estimatedBytes` sizes the first buffer; it grows when the guess is short. */
  constructor(estimatedBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, estimatedBytes + SIGNATURE.length + 10));
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    SIGNATURE.copy(this.buffer, 0);
    this.offset = SIGNATURE.length;
    this.view.setInt32(this.offset, 0); // flags: no OIDs
    this.view.setInt32(this.offset + 4, 0); // no header extension
    this.offset += 8;
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** Starts a row of `fieldCount` fields; exactly that many field calls must follow. */
  row(fieldCount: number): this {
    this.reserve(2);
    this.view.setInt16(this.offset, fieldCount);
    this.offset += 2;
    return this;
  }

  nullField(): this {
    this.reserve(4);
    this.view.setInt32(this.offset, -1);
    this.offset += 4;
    return this;
  }

  /** Text already encoded as UTF-8 (repeated values such as an exchange id are encoded once). */
  encodedText(bytes: Uint8Array): this {
    this.reserve(4 + bytes.length);
    this.view.setInt32(this.offset, bytes.length);
    this.buffer.set(bytes, this.offset + 4);
    this.offset += 4 + bytes.length;
    return this;
  }

  text(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.reserve(4 + length);
    this.view.setInt32(this.offset, length);
    this.buffer.write(value, this.offset + 4, length, 'utf8');
    this.offset += 4 + length;
    return this;
  }

  nullableText(value: string | null): this {
    return value === null ? this.nullField() : this.text(value);
  }

  /** A bigint column; `value` must be a safe integer (callers validate before writing). */
  int64(value: number): this {
    this.reserve(12);
    const high = Math.floor(value / TWO_TO_32);
    this.view.setInt32(this.offset, 8);
    this.view.setInt32(this.offset + 4, high);
    this.view.setUint32(this.offset + 8, value - high * TWO_TO_32);
    this.offset += 12;
    return this;
  }

  nullableInt64(value: number | null): this {
    return value === null ? this.nullField() : this.int64(value);
  }

  float64(value: number): this {
    this.reserve(12);
    this.view.setInt32(this.offset, 8);
    this.view.setFloat64(this.offset + 4, value);
    this.offset += 12;
    return this;
  }

  nullableFloat64(value: number | null): this {
    return value === null ? this.nullField() : this.float64(value);
  }

  boolean(value: boolean): this {
    this.reserve(5);
    this.view.setInt32(this.offset, 1);
    this.buffer[this.offset + 4] = value ? 1 : 0;
    this.offset += 5;
    return this;
  }

  /** Ends the data and returns it; the writer must not be used afterwards. */
  finish(): Buffer {
    this.reserve(2);
    this.view.setInt16(this.offset, -1);
    this.offset += 2;
    return this.buffer.subarray(0, this.offset);
  }
}

/** UTF-8 bytes of the few distinct strings a batch repeats on every row (exchange, symbol…). */
export class TextEncodingCache {
  private readonly encoded = new Map<string, Buffer>();

  encode(value: string): Buffer {
    let bytes = this.encoded.get(value);
    if (bytes === undefined) {
      bytes = Buffer.from(value, 'utf8');
      this.encoded.set(value, bytes);
    }
    return bytes;
  }
}
