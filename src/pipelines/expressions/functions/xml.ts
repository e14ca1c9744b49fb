/**
 * xml() and xpath() (spec §3.5). xml() takes XML text (checked, kept as written) or a JSON object with one
 * root property and returns an XML value (a binary value with the XML content type, as the engine's
 * `$content` objects). xpath() is XPath 1.0 by the `xpath` package over xmldom's DOM; it returns node-sets
 * as arrays — elements as XML values, attributes and text as strings [I] — and numbers, strings and
 * booleans as themselves. Unprefixed name tests match only elements in no namespace, as in .NET without a
 * namespace manager; that is why the docs use `*[name()="file"]` for namespaced XML.
 */
import { createRequire } from 'node:module';
import type { Node } from '@xmldom/xmldom';
import { ExpressionError } from '../contract.ts';
import { argumentTypeError } from '../errors.ts';
import { asBinary, isObject, makeFloat, type Value } from '../values.ts';
import { MAX_XML_DEPTH, NODE, serializeNode, type XmlDocument } from '../xml/xml-document.ts';
import { jsonToXml, readXml, xmlBinary } from '../xml/xml-json.ts';
import { stringArg } from './arguments.ts';
import { eager, type FunctionDefinition } from './function-types.ts';

/**
 * The part of the `xpath` package we use. It is loaded through require with this narrow type because its
 * declarations pull the browser's DOM library into the whole program; xmldom's nodes are what it walks.
 */
interface XPathApi {
  select(expression: string, node: Node): Node[] | Node | string | number | boolean | null;
}
const require = createRequire(import.meta.url);
const xpathApi = require('xpath') as XPathApi;

function toXml(args: readonly Value[]): Value {
  const [value = null] = args;
  const binary = asBinary(value);
  const text = binary === undefined ? value : Buffer.from(binary.bytes).toString('utf8');
  if (typeof text === 'string') {
    readXml('xml', text);
    return xmlBinary(text);
  }
  if (isObject(value)) return xmlBinary(jsonToXml('xml', value));
  throw argumentTypeError('xml', 0, 1, 'a string or an object', value);
}

function nodeResult(node: Node): Value {
  if (node.nodeType === NODE.element || node.nodeType === NODE.document)
    return xmlBinary(serializeNode(node));
  return node.nodeValue ?? node.textContent ?? '';
}

/** The xpath package recurses once per bracket; deeper nesting than this is refused before it runs. */
function assertNesting(source: string): void {
  let depth = 0;
  let quote = '';
  for (const char of source) {
    if (quote !== '') {
      if (char === quote) quote = '';
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '(' || char === '[') depth++;
    else if (char === ')' || char === ']') depth--;
    if (depth > MAX_XML_DEPTH) throw new Error(`it nests brackets deeper than ${MAX_XML_DEPTH} levels`);
  }
}

function evaluate(document: XmlDocument, source: string): Value {
  assertNesting(source);
  const result = xpathApi.select(source, document);
  if (Array.isArray(result)) return result.map(nodeResult);
  if (result === null) return [];
  if (typeof result === 'object') return [nodeResult(result)];
  return typeof result === 'number' ? makeFloat(result) : result;
}

function xpath(args: readonly Value[]): Value {
  const document = readXml('xpath', args[0] ?? null);
  const source = stringArg('xpath', args, 1);
  try {
    return evaluate(document, source);
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown function (\S+)/.exec(message)?.[1];
    const reason = unknown === undefined ? message : `The XPath function '${unknown}' is not supported`;
    throw new ExpressionError(
      `The template language function 'xpath' cannot evaluate the XPath '${source}': ${reason}.`,
    );
  }
}

export function xmlFunctions(): FunctionDefinition[] {
  return [eager('xml', 1, 1, toXml), eager('xpath', 2, 2, xpath)];
}
