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
  parseXml,
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
  if (document.declaration !== undefined) entries.push(['?xml', attributesObject(document.declaration)]);
  for (const child of document.children)
    if (child.type === 'element') entries.push([child.name, elementToJson(child)]);
  return objectFromEntries(entries);
}

function attributesObject(attributes: readonly XmlAttribute[]): ValueObject {
  return objectFromEntries(attributes.map((attribute) => [`@${attribute.name}`, attribute.value]));
}

function elementToJson(element: XmlElement): Value {
  const elements = element.children.filter((child) => child.type === 'element');
  const texts = element.children.filter(
    (child) => child.type === 'text' && (child.cdata || child.value.trim() !== ''),
  );
  if (element.attributes.length === 0 && elements.length === 0) {
    if (texts.length === 0) return null;
    if (texts.every((text) => text.type === 'text' && !text.cdata)) return texts.map(textOf).join('');
  }
  const members = new Map<string, Value[]>();
  const add = (key: string, value: Value) => members.set(key, [...(members.get(key) ?? []), value]);
  for (const attribute of element.attributes) add(`@${attribute.name}`, attribute.value);
  for (const child of element.children) {
    if (child.type === 'element') add(child.name, elementToJson(child));
    else if (child.type === 'text' && (child.cdata || child.value.trim() !== ''))
      add(child.cdata ? '#cdata-section' : '#text', child.value);
  }
  return objectFromEntries(
    [...members].map(([key, values]) => [key, values.length === 1 ? (values[0] ?? null) : values]),
  );
}

function textOf(node: XmlNode): string {
  return node.type === 'text' ? node.value : '';
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
  const document: XmlDocument = {
    type: 'document',
    declaration: isObject(declaration ?? null) ? attributesFrom(declaration as ValueObject) : undefined,
    children: elementsFor(rootName, root ?? null),
  };
  return serializeNode(document);
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

function elementsFor(name: string, value: Value): XmlElement[] {
  if (isArray(value)) return value.flatMap((item) => elementsFor(name, fromJson(item)));
  if (!isObject(value)) {
    const children: XmlNode[] =
      value === null ? [] : [{ type: 'text', value: scalarText(value), cdata: false }];
    return [{ type: 'element', name, attributes: [], children }];
  }
  const children: XmlNode[] = [];
  for (const [key, item] of Object.entries(value)) {
    const child = fromJson(item);
    if (key === '#text') children.push({ type: 'text', value: scalarText(child), cdata: false });
    else if (key === '#cdata-section') children.push({ type: 'text', value: scalarText(child), cdata: true });
    else if (!key.startsWith('@')) children.push(...elementsFor(key, child));
  }
  return [{ type: 'element', name, attributes: attributesFrom(value), children }];
}
