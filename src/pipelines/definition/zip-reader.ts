/**
 * Reads template-gallery zips (a pipeline JSON plus manifest.json) with yauzl, which parses the central
 * directory (authoritative even when local headers defer sizes to a data descriptor), refuses `../` and
 * absolute entry names, and stops a deflate stream that yields more bytes than the entry declares. On top of
 * it we keep our own limits (entry count, bytes per entry and in total, checked before anything is inflated),
 * refuse encrypted entries and methods other than stored and deflate, and check CRC-32, which yauzl leaves to
 * its caller. Every refusal names the archive and the entry.
 */
import { crc32 } from 'node:zlib';
import { buffer as readAll } from 'node:stream/consumers';
import yauzl from 'yauzl';
import { PipelineDefinitionError } from './errors.ts';

export interface ZipEntry {
  /** Path inside the archive, with `/` separators. */
  name: string;
  data: Uint8Array;
}

export interface ZipLimits {
  /** Most entries (folders included) an archive may list. */
  maxEntries: number;
  /** Largest uncompressed entry accepted. */
  maxEntryBytes: number;
  /** Largest total of uncompressed entries accepted. */
  maxTotalBytes: number;
}

/** A template zip holds a handful of files; an export a few hundred at most. */
const DEFAULT_LIMITS: ZipLimits = {
  maxEntries: 1000,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
};
const STORED = 0;
const DEFLATE = 8;

/** True when the bytes start like a ZIP archive (a local header, or the end record of an empty one). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

type Fail = (reason: string) => never;

/** Every file in the archive (folders left out), in central-directory order. */
export async function readZip(
  bytes: Uint8Array,
  fileName: string,
  limits: Partial<ZipLimits> = {},
): Promise<ZipEntry[]> {
  const limit = { ...DEFAULT_LIMITS, ...limits };
  const fail: Fail = (reason) => {
    throw new PipelineDefinitionError(`${fileName} is not a readable ZIP archive: ${reason}.`, [
      { property: fileName, message: `${fileName}: ${reason}` },
    ]);
  };
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const zip = await yauzl
    .fromBufferPromise(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false })
    .catch((error: unknown) => fail(reasonOf(error)));
  try {
    if (zip.entryCount > limit.maxEntries) fail(`it lists more than ${limit.maxEntries} entries`);
    return await readEntries(zip, limit, fail);
  } finally {
    zip.close();
  }
}

async function readEntries(zip: yauzl.ZipFile, limit: ZipLimits, fail: Fail): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  let total = 0;
  const iterator = zip.eachEntry();
  for (;;) {
    const next = await iterator.next().catch((error: unknown) => fail(reasonOf(error)));
    if (next.done === true) return entries;
    const entry = next.value;
    const name = entry.fileName;
    if (name.endsWith('/')) continue;
    if (entry.isEncrypted()) fail(`'${name}' is encrypted`);
    if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATE) {
      fail(
        `'${name}' uses compression method ${entry.compressionMethod}; only stored and deflate are supported`,
      );
    }
    if (entry.uncompressedSize > limit.maxEntryBytes)
      fail(`'${name}' is larger than ${limit.maxEntryBytes} bytes`);
    total += entry.uncompressedSize;
    if (total > limit.maxTotalBytes) fail(`the files add up to more than ${limit.maxTotalBytes} bytes`);
    entries.push({ name, data: await entryData(zip, entry, fail) });
  }
}

async function entryData(zip: yauzl.ZipFile, entry: yauzl.Entry, fail: Fail): Promise<Uint8Array> {
  const name = entry.fileName;
  let data: Buffer;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    data = await readAll(stream);
  } catch (error) {
    return fail(`'${name}' cannot be inflated (${reasonOf(error)})`);
  }
  if (data.byteLength !== entry.uncompressedSize || crc32(data) !== entry.crc32) {
    fail(`'${name}' is corrupt (size or CRC-32 does not match)`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** yauzl's wording where ours said more to a user holding a damaged file. */
const REWORDED: [RegExp, string][] = [
  [
    /^end of central directory record signature not found/i,
    'no end-of-central-directory record was found (truncated file?)',
  ],
  [/^multi-disk zip files are not supported/i, 'multi-disk archives are not supported'],
];

function reasonOf(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  return REWORDED.find(([pattern]) => pattern.test(message))?.[1] ?? message;
}
