/**
 * Turns the bytes of an exported JSON file into a JSON value. Data Factory and Fabric exports come as UTF-8
 * (with or without a BOM) or UTF-16 with a BOM, and some real files repeat a key; JSON.parse keeps the last
 * one, which is what the service does, so no custom parser is needed. Parse errors name the file.
 */
import { PipelineDefinitionError } from './errors.ts';

/** Decodes UTF-8, UTF-8 with BOM, and UTF-16 LE/BE (with a BOM, or recognised by the zero bytes of ASCII). */
export function decodeText(bytes: Uint8Array): string {
  const [first, second] = [bytes[0], bytes[1]];
  if (first === 0xff && second === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (first === 0xfe && second === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (first === 0xef && second === 0xbb && bytes[2] === 0xbf) return decodeUtf8(bytes.subarray(3));
  if (bytes.length >= 2 && first !== 0 && second === 0) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes.length >= 2 && first === 0 && second !== 0) return new TextDecoder('utf-16be').decode(bytes);
  return decodeUtf8(bytes);
}

function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/** Parses JSON text (a leading BOM character is dropped); the error names the file and the position. */
function parseFileText(text: string, fileName: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PipelineDefinitionError(
      `${fileName} is not valid JSON: ${reason}. Export the pipeline again or fix the file at that position.`,
      [{ property: fileName, message: `${fileName} is not valid JSON: ${reason}` }],
    );
  }
}

/** Decodes and parses bytes or text in one step. */
export function parseJsonFile(content: Uint8Array | string, fileName: string): unknown {
  return parseFileText(typeof content === 'string' ? content : decodeText(content), fileName);
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
