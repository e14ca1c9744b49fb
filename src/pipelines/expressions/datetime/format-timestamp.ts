/**
 * .NET date formatting (spec §3.5/§3.6): the standard one-letter formats and the custom specifiers
 * (`yyyy`, `MM`, `dd`, `HH`, `hh`, `mm`, `ss`, `f…`/`F…`, `tt`, `K`, `z…`, quoted literals, `\` escapes,
 * `%`). Names and the standard patterns follow en-US, which is what the docs' examples show
 * (`'D'` → "Tuesday, January 2, 2018"). Offsets print as UTC (`+00:00`): the engine has no local zone [I].
 */
import { partsOf, type CalendarParts, type Timestamp } from './calendar.ts';

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const STANDARD_FORMATS: Readonly<Record<string, string>> = {
  d: 'M/d/yyyy',
  D: 'dddd, MMMM d, yyyy',
  f: 'dddd, MMMM d, yyyy h:mm tt',
  F: 'dddd, MMMM d, yyyy h:mm:ss tt',
  g: 'M/d/yyyy h:mm tt',
  G: 'M/d/yyyy h:mm:ss tt',
  m: 'MMMM d',
  M: 'MMMM d',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'h:mm tt',
  T: 'h:mm:ss tt',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  U: 'dddd, MMMM d, yyyy h:mm:ss tt',
  y: 'MMMM yyyy',
  Y: 'MMMM yyyy',
};

/** Formats a timestamp; undefined when the format string is not valid (.NET's FormatException). */
export function formatTimestamp(timestamp: Timestamp, format: string): string | undefined {
  let pattern = format;
  if (format.length === 1) {
    const standard = STANDARD_FORMATS[format];
    if (standard === undefined) return undefined;
    pattern = standard;
  }
  return formatCustom(timestamp, partsOf(timestamp.ticks), pattern);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function repeatCount(pattern: string, start: number): number {
  let end = start;
  while (pattern.charAt(end) === pattern.charAt(start)) end++;
  return end - start;
}

function formatCustom(timestamp: Timestamp, parts: CalendarParts, pattern: string): string | undefined {
  let result = '';
  let i = 0;
  while (i < pattern.length) {
    const char = pattern.charAt(i);
    if (char === "'" || char === '"') {
      const end = pattern.indexOf(char, i + 1);
      if (end < 0) return undefined;
      result += pattern.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (char === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      result += pattern.charAt(i + 1);
      i += 2;
      continue;
    }
    if (char === '%') {
      i++;
      continue;
    }
    const count = repeatCount(pattern, i);
    const text = specifier(char, count, timestamp, parts, result);
    if (text === undefined) return undefined;
    result = text.replaceResult ?? result + text.value;
    i += count;
  }
  return result;
}

interface SpecifierOutput {
  readonly value: string;
  /** `F` specifiers with a zero fraction also drop the `.` written just before them. */
  readonly replaceResult?: string;
}

function specifier(
  char: string,
  count: number,
  timestamp: Timestamp,
  parts: CalendarParts,
  written: string,
): SpecifierOutput | undefined {
  const out = (value: string): SpecifierOutput => ({ value });
  switch (char) {
    case 'd':
      if (count <= 2) return out(pad(parts.day, count));
      return out(
        count === 3 ? (DAY_NAMES[parts.dayOfWeek] ?? '').slice(0, 3) : (DAY_NAMES[parts.dayOfWeek] ?? ''),
      );
    case 'M':
      if (count <= 2) return out(pad(parts.month, count));
      return out(
        count === 3 ? (MONTH_NAMES[parts.month - 1] ?? '').slice(0, 3) : (MONTH_NAMES[parts.month - 1] ?? ''),
      );
    case 'y':
      return out(count <= 2 ? pad(parts.year % 100, count) : pad(parts.year, count));
    case 'H':
      return out(pad(parts.hour, Math.min(count, 2)));
    case 'h':
      return out(pad(parts.hour % 12 === 0 ? 12 : parts.hour % 12, Math.min(count, 2)));
    case 'm':
      return out(pad(parts.minute, Math.min(count, 2)));
    case 's':
      return out(pad(parts.second, Math.min(count, 2)));
    case 't': {
      const meridiem = parts.hour < 12 ? 'AM' : 'PM';
      return out(count === 1 ? meridiem.charAt(0) : meridiem);
    }
    case 'f':
    case 'F':
      return fraction(char, count, parts.fraction, written);
    case 'K':
      return out(timestamp.kind === 'utc' ? 'Z' : '');
    case 'z':
      return out(count === 1 ? '+0' : count === 2 ? '+00' : '+00:00');
    case 'g':
      return out('A.D.');
    case ':':
    case '/':
      return out(char);
    default:
      return out(char.repeat(count));
  }
}

function fraction(char: string, count: number, ticks: number, written: string): SpecifierOutput | undefined {
  if (count > 7) return undefined;
  const digits = pad(ticks, 7).slice(0, count);
  if (char === 'f') return { value: digits };
  const trimmed = digits.replace(/0+$/, '');
  if (trimmed === '' && written.endsWith('.')) return { value: '', replaceResult: written.slice(0, -1) };
  return { value: trimmed };
}
