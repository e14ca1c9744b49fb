/**
 * A minimal ZIP reader for template-gallery zips (a pipeline JSON plus manifest.json). It reads the central
 * directory, which is authoritative even when local headers defer sizes to a data descriptor, and supports
 * the two methods such archives use: stored and deflate. ZIP64, encryption and multi-disk archives are
 * refused with a clear message. Sizes are capped so a small upload cannot inflate into gigabytes.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { PipelineDefinitionError } from './errors.ts';

export interface ZipEntry {
  /** Path inside the archive, with `/` separators. */
  name: string;
  data: Uint8Array;
}

export interface ZipLimits {
  /** Largest uncompressed entry accepted. */
  maxEntryBytes: number;
  /** Largest total of uncompressed entries accepted. */
  maxTotalBytes: number;
}

const DEFAULT_LIMITS: ZipLimits = { maxEntryBytes: 32 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };
const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const STORED = 0;
const DEFLATE = 8;

interface CentralRecord {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** True when the bytes start like a ZIP archive (a local header, or the end record of an empty one). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** Every file in the archive (folders left out), in central-directory order. */
export function readZip(bytes: Uint8Array, fileName: string, limits: ZipLimits = DEFAULT_LIMITS): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new PipelineDefinitionError(`${fileName} is not a readable ZIP archive: ${reason}.`, [
      { property: fileName, message: `${fileName}: ${reason}` },
    ]);
  };
  const records = readCentralDirectory(view, fail);
  const entries: ZipEntry[] = [];
  let total = 0;
  for (const record of records) {
    if (record.name.endsWith('/')) continue;
    if (record.size > limits.maxEntryBytes)
      fail(`'${record.name}' is larger than ${limits.maxEntryBytes} bytes`);
    total += record.size;
    if (total > limits.maxTotalBytes) fail(`the files add up to more than ${limits.maxTotalBytes} bytes`);
    entries.push({ name: record.name, data: readEntryData(bytes, view, record, fail) });
  }
  return entries;
}

function findEndOfDirectory(view: DataView, fail: (reason: string) => never): number {
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let offset = view.byteLength - 22; offset >= lowest; offset--) {
    if (view.getUint32(offset, true) === END_OF_DIRECTORY) return offset;
  }
  return fail('no end-of-central-directory record was found (truncated file?)');
}

function readCentralDirectory(view: DataView, fail: (reason: string) => never): CentralRecord[] {
  const end = findEndOfDirectory(view, fail);
  const disk = view.getUint16(end + 4, true);
  const count = view.getUint16(end + 10, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (disk !== 0) fail('multi-disk archives are not supported');
  if (count === 0xffff || directoryOffset === 0xffffffff) fail('ZIP64 archives are not supported');
  const records: CentralRecord[] = [];
  let offset = directoryOffset;
  for (let index = 0; index < count; index++) {
    if (offset + 46 > view.byteLength || view.getUint32(offset, true) !== CENTRAL_HEADER) {
      fail(`central directory entry ${index + 1} is damaged`);
    }
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    if (offset + 46 + nameLength > view.byteLength) fail(`central directory entry ${index + 1} is damaged`);
    const nameBytes = new Uint8Array(view.buffer, view.byteOffset + offset + 46, nameLength);
    records.push({
      name: new TextDecoder('utf-8').decode(nameBytes).replaceAll('\\', '/'),
      flags: view.getUint16(offset + 8, true),
      method: view.getUint16(offset + 10, true),
      crc: view.getUint32(offset + 16, true),
      compressedSize: view.getUint32(offset + 20, true),
      size: view.getUint32(offset + 24, true),
      localOffset: view.getUint32(offset + 42, true),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

function readEntryData(
  bytes: Uint8Array,
  view: DataView,
  record: CentralRecord,
  fail: (reason: string) => never,
): Uint8Array {
  const at = record.localOffset;
  if (at + 30 > view.byteLength || view.getUint32(at, true) !== LOCAL_HEADER) {
    fail(`the local header of '${record.name}' is missing`);
  }
  if ((record.flags & 1) !== 0) fail(`'${record.name}' is encrypted`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + record.compressedSize > bytes.byteLength) fail(`'${record.name}' is truncated`);
  const raw = bytes.subarray(start, start + record.compressedSize);
  let data: Uint8Array = raw;
  if (record.method === DEFLATE) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(record.size, 1) });
    } catch (error) {
      fail(`'${record.name}' cannot be inflated (${error instanceof Error ? error.message : String(error)})`);
    }
  } else if (record.method !== STORED) {
    fail(`'${record.name}' uses compression method ${record.method}; only stored and deflate are supported`);
  }
  if (data.byteLength !== record.size || crc32(data) !== record.crc) {
    fail(`'${record.name}' is corrupt (size or CRC-32 does not match)`);
  }
  return data;
}
