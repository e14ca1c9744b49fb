/**
 * XML ⇄ JSON in the shape of Newtonsoft's converter, which the engine's json(xml) and xml(json) follow
 * (spec §3.5): attributes become `@name` keys, the declaration becomes `?xml`, repeated child elements
 * become arrays, text beside other content becomes `#text` and CDATA `#cdata-section`; an element with only
 * text becomes a string and an empty one null. XML values travel as binary values with the XML content type.
 */
import { ExpressionError } from '../contract.ts';
import { toJsonText } from '../stringify.ts';
import {
  asBinary,
  BinaryValue,
  fromJson,
  isArray,
  isObject,
  objectFromEntries,
  XML_CONTENT_TYPE,
  type Value,
  type ValueObject,
} from '../values.ts';
import {
  attributesOf,
  childNodes,
  declarationOf,
  MAX_XML_DEPTH,
  newDocument,
  NODE,
  parseXml,
  serializeAttributes,
  serializeNode,
  XmlSyntaxError,
  type XmlAttribute,
  type XmlDocument,
  type XmlElement,
  type XmlNode,
} from './xml-document.ts';

export function isXmlBinary(value: Value): boolean {
  const binary = asBinary(value);
  return binary !== undefined && binary.contentType.toLowerCase().includes('xml');
}

export function xmlBinary(text: string): BinaryValue {
  return new BinaryValue(XML_CONTENT_TYPE, Buffer.from(text, 'utf8'));
}

/** Parses XML text or an XML value; errors name the calling function. */
export function readXml(fn: string, value: Value): XmlDocument {
  const binary = asBinary(value);
  const text = binary === undefined ? value : Buffer.from(binary.bytes).toString('utf8');
  if (typeof text !== 'string') {
    throw new ExpressionError(
      `The template language function '${fn}' expects an XML value or a string containing XML.`,
    );
  }
  try {
    return parseXml(text);
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    throw new ExpressionError(
      `The template language function '${fn}' parameter is not valid XML: ${error.message}.`,
    );
  }
}

export function xmlBinaryToJson(fn: string, value: Value): Value {
  const document = readXml(fn, value);
  const entries: [string, Value][] = [];
  const declaration = declarationOf(document);
  if (declaration !== undefined) entries.push(['?xml', attributesObject(declaration)]);
  for (const child of childNodes(document))
    if (isElement(child)) entries.push([child.nodeName, elementToJson(child)]);
  return objectFromEntries(entries);
}

function attributesObject(attributes: readonly XmlAttribute[]): ValueObject {
  return objectFromEntries(attributes.map((attribute) => [`@${attribute.name}`, attribute.value]));
}

function isElement(node: XmlNode): node is XmlElement {
  return node.nodeType === NODE.element;
}

/** Text and CDATA count; whitespace-only text does not, as Newtonsoft drops it. */
function textContent(node: XmlNode): { cdata: boolean; value: string } | undefined {
  const cdata = node.nodeType === NODE.cdata;
  if (!cdata && node.nodeType !== NODE.text) return undefined;
  const value = node.nodeValue ?? '';
  return cdata || value.trim() !== '' ? { cdata, value } : undefined;
}

function elementToJson(element: XmlElement): Value {
  const children = childNodes(element);
  const elements = children.filter(isElement);
  const texts = children.map(textContent).filter((text) => text !== undefined);
  const attributes = attributesOf(element);
  if (attributes.length === 0 && elements.length === 0) {
    if (texts.length === 0) return null;
    if (texts.every((text) => !text.cdata)) return texts.map((text) => text.value).join('');
  }
  const members = new Map<string, Value[]>();
  const add = (key: string, value: Value) => members.set(key, [...(members.get(key) ?? []), value]);
  for (const attribute of attributes) add(`@${attribute.name}`, attribute.value);
  for (const child of children) {
    if (isElement(child)) add(child.nodeName, elementToJson(child));
    const text = textContent(child);
    if (text !== undefined) add(text.cdata ? '#cdata-section' : '#text', text.value);
  }
  return objectFromEntries(
    [...members].map(([key, values]) => [key, values.length === 1 ? (values[0] ?? null) : values]),
  );
}

/** xml(object): the object must have one root property (besides `?xml`), which cannot be an array. */
export function jsonToXml(fn: string, value: ValueObject): string {
  const declaration = value['?xml'];
  const roots = Object.keys(value).filter((key) => key !== '?xml');
  const [rootName] = roots;
  const root = rootName === undefined ? undefined : fromJson(value[rootName]);
  if (rootName === undefined || roots.length !== 1 || isArray(root ?? null)) {
    throw new ExpressionError(
      `The template language function '${fn}' expects an object with exactly one root property that is not an array.`,
    );
  }
  if (valueDepth(value) > MAX_XML_DEPTH) {
    throw new ExpressionError(
      `The template language function '${fn}' cannot convert an object nested deeper than ${MAX_XML_DEPTH} levels to XML.`,
    );
  }
  const document = newDocument();
  for (const element of elementsFor(document, rootName, root ?? null)) document.appendChild(element);
  const head = isObject(declaration ?? null)
    ? `<?xml${serializeAttributes(attributesFrom(declaration as ValueObject))}?>`
    : '';
  return head + serializeNode(document);
}

/** How deeply objects and arrays nest in a value, found without recursion. */
function valueDepth(value: Value): number {
  let deepest = 0;
  const pending: [Value, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    deepest = Math.max(deepest, depth);
    if (depth > MAX_XML_DEPTH) break;
    if (isArray(item)) for (const inner of item) pending.push([fromJson(inner), depth + 1]);
    else if (isObject(item))
      for (const inner of Object.values(item)) pending.push([fromJson(inner), depth + 1]);
  }
  return deepest;
}

function attributesFrom(object: ValueObject): XmlAttribute[] {
  return Object.entries(object)
    .filter(([key]) => key.startsWith('@'))
    .map(([key, item]) => ({ name: key.slice(1), value: scalarText(fromJson(item)) }));
}

function scalarText(value: Value): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : toJsonText(value);
}

function elementsFor(document: XmlDocument, name: string, value: Value): XmlElement[] {
  if (isArray(value)) return value.flatMap((item) => elementsFor(document, name, fromJson(item)));
  const element = document.createElement(name);
  if (!isObject(value)) {
    if (value !== null) element.appendChild(document.createTextNode(scalarText(value)));
    return [element];
  }
  for (const attribute of attributesFrom(value)) element.setAttribute(attribute.name, attribute.value);
  for (const [key, item] of Object.entries(value)) {
    const child = fromJson(item);
    if (key === '#text') element.appendChild(document.createTextNode(scalarText(child)));
    else if (key === '#cdata-section') element.appendChild(document.createCDATASection(scalarText(child)));
    else if (!key.startsWith('@'))
      for (const inner of elementsFor(document, key, child)) element.appendChild(inner);
  }
  return [element];
}
