/**
 * xml() and xpath() (spec §3.5). xml() takes XML text (checked, kept as written) or a JSON object with one
 * root property and returns an XML value (a binary value with the XML content type, as the engine's
 * `$content` objects). xpath() returns node-sets as arrays — elements as XML values, attributes and text as
 * strings [I] — and numbers, strings and booleans as themselves.
 */
import { ExpressionError } from '../contract.ts';
import { argumentTypeError } from '../errors.ts';
import { asBinary, isObject, makeFloat, type Value } from '../values.ts';
import { serializeNode } from '../xml/xml-document.ts';
import { jsonToXml, readXml, xmlBinary } from '../xml/xml-json.ts';
import { evaluateXPath, isNodeSet, type XPathValue } from '../xml/xpath-evaluator.ts';
import { XPathModel, type XPathNode } from '../xml/xpath-nodes.ts';
import { parseXPath, XPathSyntaxError } from '../xml/xpath-parser.ts';
import { stringArg } from './arguments.ts';
import { eager, type FunctionDefinition } from './function-types.ts';

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

function nodeResult(node: XPathNode, model: XPathModel): Value {
  if (node.type === 'element' || node.type === 'document') return xmlBinary(serializeNode(node));
  return model.stringValue(node);
}

function xpathResult(value: XPathValue, model: XPathModel): Value {
  if (isNodeSet(value)) return value.map((node) => nodeResult(node, model));
  return typeof value === 'number' ? makeFloat(value) : value;
}

function xpath(args: readonly Value[]): Value {
  const document = readXml('xpath', args[0] ?? null);
  const source = stringArg('xpath', args, 1);
  try {
    const model = new XPathModel(document);
    return xpathResult(
      evaluateXPath(parseXPath(source), { model, node: document, position: 1, size: 1 }),
      model,
    );
  } catch (error) {
    if (!(error instanceof XPathSyntaxError)) throw error;
    throw new ExpressionError(
      `The template language function 'xpath' cannot evaluate the XPath '${source}': ${error.message}.`,
    );
  }
}

export function xmlFunctions(): FunctionDefinition[] {
  return [eager('xml', 1, 1, toXml), eager('xpath', 2, 2, xpath)];
}
