/**
 * Test support: builds ZIP archives (stored or deflated files, no data descriptors, no extra fields, a fixed
 * 1980-01-01 timestamp so identical input gives identical bytes) with fflate, for the tests of the zip
 * reader and of template-gallery imports. Nothing in src/ writes zips.
 */
import { zipSync, type Zippable } from 'fflate';

export interface ZipInput {
  name: string;
  data: Uint8Array | string;
  /** Store without compression (method 0) instead of deflating (method 8). */
  stored?: boolean;
}

const FIXED_TIME = new Date(1980, 0, 1);

export function writeZip(files: ZipInput[]): Uint8Array {
  const entries: Zippable = {};
  for (const file of files) {
    const data = typeof file.data === 'string' ? new TextEncoder().encode(file.data) : file.data;
    entries[file.name] = [data, { level: file.stored === true ? 0 : 6 }];
  }
  return zipSync(entries, { mtime: FIXED_TIME });
}
