/**
 * Where a CSV or JSONL file may be cut into row ranges, found in one streaming pass over its bytes.
 *
 * A CSV record ends at a line feed outside a quoted field. The pass keeps one bit of state, inside or
 * outside quotes, flipped by every `"`: RFC 4180 escapes a quote inside a quoted field by doubling it,
 * which flips twice, so the bit is right at every record end. (Cutting at "the next newline after the
 * target offset" instead would cut inside a quoted field holding a newline.) The header is the first
 * line, as the CSV reader takes it, and belongs to no range: each range is read with the file's header.
 *
 * Rows are counted the way the readers count them, so each range knows its first row's index in the
 * file: blank lines are no rows (an empty CSV line, a JSONL line of ASCII whitespace). A range is cut
 * after the record that reaches the wanted size (bytes) or count (rows); trailing blank lines join the
 * last range. Only `indexOf` (memchr) walks the bytes between line ends and quotes.
 */
import type { FileRange, SplitSize } from '../../core/row-ranges.ts';

type ByteRange = Extract<FileRange, { kind: 'bytes' }>;

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Groups records into ranges as their ends are found. */
class RangeCutter {
  readonly ranges: ByteRange[] = [];
  readonly #split: SplitSize;
  #start = 0;
  #firstRow = 0;
  #rows = 0;

  constructor(split: SplitSize) {
    this.#split = split;
  }

  /** The data starts at `offset` (after the header). */
  begin(offset: number): void {
    this.#start = offset;
  }

  /** A record (or blank line) ends at byte `end` (exclusive). */
  record(end: number, isRow: boolean): void {
    if (isRow) this.#rows++;
    if (this.#rows === 0) return;
    const full =
      this.#split.unit === 'rows' ? this.#rows >= this.#split.count : end - this.#start >= this.#split.count;
    if (full) this.#cut(end);
  }

  #cut(end: number): void {
    this.ranges.push({ kind: 'bytes', start: this.#start, end, firstRow: this.#firstRow });
    this.#firstRow += this.#rows;
    this.#rows = 0;
    this.#start = end;
  }

  /** The file ends at `size`: what is left is the last range, or joins it when it holds no row. */
  finish(size: number): ByteRange[] {
    if (this.#start < size) {
      const last = this.ranges.at(-1);
      if (this.#rows === 0 && last) last.end = size;
      else this.#cut(size);
    }
    return this.ranges;
  }
}

export interface RecordScanner {
  /** The next bytes of the file, in order. */
  push(chunk: Buffer): void;
  /** The ranges, once every byte was pushed; empty when the file has no data after its header. */
  finish(): ByteRange[];
}

/** Ranges of a CSV file (header first, quoted fields may hold newlines). */
export function csvScanner(split: SplitSize): RecordScanner {
  const cutter = new RangeCutter(split);
  let offset = 0;
  let header = true;
  let quoted = false;
  let recordStart = 0;
  let previous = 0;

  const endRecord = (end: number, crBefore: boolean) => {
    const length = end - recordStart;
    cutter.record(end, !(length === 1 || (length === 2 && crBefore)));
    recordStart = end;
  };

  return {
    push(chunk) {
      let i = 0;
      let nextQuote = -1;
      while (i < chunk.length) {
        if (header || quoted) {
          const at = chunk.indexOf(header ? LF : QUOTE, i);
          if (at < 0) break;
          i = at + 1;
          if (header) {
            header = false;
            recordStart = offset + i;
            cutter.begin(recordStart);
          } else quoted = false;
          continue;
        }
        if (nextQuote < i) {
          nextQuote = chunk.indexOf(QUOTE, i);
          if (nextQuote < 0) nextQuote = chunk.length;
        }
        const lf = chunk.indexOf(LF, i);
        const stop = lf < 0 ? chunk.length : lf;
        if (nextQuote < stop) {
          quoted = true;
          i = nextQuote + 1;
          continue;
        }
        if (lf < 0) break;
        endRecord(offset + lf + 1, (lf > 0 ? chunk[lf - 1] : previous) === CR);
        i = lf + 1;
      }
      offset += chunk.length;
      if (chunk.length > 0) previous = chunk[chunk.length - 1] ?? 0;
    },
    finish() {
      if (header) return [];
      // A last record without a line feed is a row, unless it is a lone CR.
      if (offset > recordStart) cutter.record(offset, !(offset - recordStart === 1 && previous === CR));
      return cutter.finish(offset);
    },
  };
}

function isBlank(byte: number): boolean {
  return byte === 32 || (byte >= 9 && byte <= 13);
}

/** Ranges of a JSONL file (one object per line, no header). */
export function jsonlScanner(split: SplitSize): RecordScanner {
  const cutter = new RangeCutter(split);
  let offset = 0;
  let content = false;
  return {
    push(chunk) {
      let i = 0;
      while (i < chunk.length) {
        const lf = chunk.indexOf(LF, i);
        const stop = lf < 0 ? chunk.length : lf;
        for (let j = i; !content && j < stop; j++) content = !isBlank(chunk[j] ?? 0);
        if (lf < 0) break;
        cutter.record(offset + lf + 1, content);
        content = false;
        i = lf + 1;
      }
      offset += chunk.length;
    },
    finish() {
      if (content) cutter.record(offset, true);
      return cutter.finish(offset);
    },
  };
}
