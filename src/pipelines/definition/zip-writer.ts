/**
 * The writing half of the minimal ZIP support: builds an archive of stored or deflated files with a central
 * directory, no ZIP64 and no data descriptors. Enough for tests of the reader and for exporting a pipeline
 * as a template-gallery zip (pipeline JSON plus manifest.json).
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipInput {
  name: string;
  data: Uint8Array | string;
  /** Store without compression (method 0) instead of deflating (method 8). */
  stored?: boolean;
}

/** 1980-01-01 00:00 in MS-DOS date/time form: archives come out identical for identical input. */
const DOS_DATE = (1 << 5) | 1;
const DOS_TIME = 0;
const UTF8_NAMES = 1 << 11;

export function writeZip(files: ZipInput[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const data = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : Buffer.from(file.data);
    const method = file.stored === true ? 0 : 8;
    const body = method === 0 ? data : deflateRawSync(data);
    const fields = { method, crc: crc32(data), compressed: body.length, size: data.length };
    locals.push(localHeader(name, fields), body);
    centrals.push(centralHeader(name, fields, offset));
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

interface EntryFields {
  method: number;
  crc: number;
  compressed: number;
  size: number;
}

function localHeader(name: Buffer, fields: EntryFields): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(UTF8_NAMES, 6);
  header.writeUInt16LE(fields.method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(fields.crc, 14);
  header.writeUInt32LE(fields.compressed, 18);
  header.writeUInt32LE(fields.size, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function centralHeader(name: Buffer, fields: EntryFields, localOffset: number): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(UTF8_NAMES, 8);
  header.writeUInt16LE(fields.method, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(fields.crc, 16);
  header.writeUInt32LE(fields.compressed, 20);
  header.writeUInt32LE(fields.size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt32LE(localOffset, 42);
  return Buffer.concat([header, name]);
}
