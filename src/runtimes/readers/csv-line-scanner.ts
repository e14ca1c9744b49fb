/**
 * The CSV fast path: scans one line of bytes and parses the selected fields straight into a typed
 * array, with no per-field strings. Tabular scoring is bound by parsing (a forest scores far faster
 * than csv-parse can feed it), so this loop sets the throughput of the whole runtime.
 *
 * Decimal fields with at most 15 significant digits and no exponent are computed as mantissa / 10^k:
 * both operands are exact doubles, so the one division rounds exactly as `Number()` would (Clinger's
 * fast path), and the float32 store then rounds as numpy's float64 → float32 cast does. Anything else
 * (exponents, long mantissas, `nan`, spaces) goes through `parseNumericText` on the field's text.
 * A line holding a double quote is left to csv-parse, which knows RFC 4180 quoting.
 */
import { parseNumericText } from './tabular.ts';

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const ZERO = 48;
const NINE = 57;

/** `scanLine` results that are not the position after a line. */
export const NEED_MORE = -1;
export const HAS_QUOTE = -2;
export const BAD_NUMBER = -3;
export const END_OF_INPUT = -4;

const POW10 = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** The bytes read so far; `eof` says no more will come. */
export interface ByteSpan {
  buf: Buffer;
  end: number;
  eof: boolean;
}

/** Filled by each scan: the line's shape, and the culprit when a field was no number. */
export interface LineState {
  fieldCount: number;
  blank: boolean;
  badField: number;
  badText: string;
}

export function newLineState(): LineState {
  return { fieldCount: 0, blank: false, badField: -1, badText: '' };
}

/** A field the fast path could not take: empty means NaN, otherwise the text rules decide. */
function textValue(buf: Buffer, start: number, end: number): number | undefined {
  return start === end ? NaN : parseNumericText(buf.toString('latin1', start, end));
}

/** For a CR at `pos`: the position after CRLF (or a final CR), NEED_MORE, or -1 for a stray CR. */
function afterCarriageReturn(span: ByteSpan, pos: number): number {
  if (pos + 1 < span.end) return span.buf[pos + 1] === LF ? pos + 2 : -1;
  return span.eof ? pos + 1 : NEED_MORE;
}

/**
 * Scans the line that starts at `pos`. Field i, when `slots[i] >= 0`, is stored at
 * `out[offset + slots[i]]`. Returns the position after the line's terminator, or one of the
 * negative codes above (NEED_MORE: the line runs past `span.end` and more bytes may come).
 */
export function scanLine(
  span: ByteSpan,
  pos: number,
  slots: Int32Array,
  out: Float32Array | Float64Array,
  offset: number,
  state: LineState,
): number {
  const { buf, end } = span;
  const lineStart = pos;
  for (let field = 0; ; field++) {
    const start = pos;
    let mantissa = 0;
    let scale = 0;
    let digits = 0;
    let negative = false;
    let fraction = false;
    let fast = true;
    let sawDigit = false;
    let next = -1;
    for (; ; pos++) {
      if (pos >= end) {
        if (!span.eof) return NEED_MORE;
        if (pos === lineStart) return END_OF_INPUT;
        next = pos;
        break;
      }
      const c = buf[pos] ?? 0;
      if (c >= ZERO && c <= NINE) {
        sawDigit = true;
        if ((mantissa !== 0 || c !== ZERO) && ++digits > 15) fast = false;
        mantissa = mantissa * 10 + (c - ZERO);
        if (fraction) scale++;
      } else if (c === COMMA) {
        break;
      } else if (c === LF) {
        next = pos + 1;
        break;
      } else if (c === CR) {
        next = afterCarriageReturn(span, pos);
        if (next === NEED_MORE) return NEED_MORE;
        if (next >= 0) break;
        fast = false;
      } else if (c === DOT && !fraction) {
        fraction = true;
      } else if (c === MINUS && pos === start) {
        negative = true;
      } else if (c === QUOTE) {
        return HAS_QUOTE;
      } else if (c !== PLUS || pos !== start) {
        fast = false;
      }
    }
    const slot = field < slots.length ? (slots[field] ?? -1) : -1;
    if (slot >= 0) {
      const magnitude = scale === 0 ? mantissa : mantissa / (POW10[scale] ?? 1);
      const value =
        fast && sawDigit && scale < POW10.length
          ? negative
            ? -magnitude
            : magnitude
          : textValue(buf, start, pos);
      if (value === undefined) {
        state.badField = field;
        state.badText = buf.toString('utf8', start, pos);
        return BAD_NUMBER;
      }
      out[offset + slot] = value;
    }
    if (next >= 0) {
      state.fieldCount = field + 1;
      state.blank = field === 0 && pos === lineStart;
      return next;
    }
    pos++;
  }
}
