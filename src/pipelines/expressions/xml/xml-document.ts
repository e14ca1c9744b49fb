/**
 * XML for xml(), xpath() and json(xml) (spec §3.5): documents are parsed by @xmldom/xmldom, a maintained
 * W3C DOM parser, and written back compactly in .NET's style (`<a />` for an empty element, no DOCTYPE),
 * which xmldom's own serializer does not do. Any parser warning is an error, as .NET's reader refuses what
 * xmldom only warns about (`<a x=1/>`). Entities: xmldom knows the five named ones and character
 * references, never reads an external entity and does not expand entities declared in a DTD (a reference to
 * one is an error), so neither file disclosure nor an entity bomb is possible. Elements nested deeper than
 * MAX_XML_DEPTH are refused, so the recursive JSON conversion and the serializer stay within the stack.
 */
import { DOMImplementation, DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { MAX_NESTING } from '../../nesting.ts';

export type { Document as XmlDocument, Element as XmlElement, Node as XmlNode } from '@xmldom/xmldom';

/** Deeper than any document a pipeline passes around. */
export const MAX_XML_DEPTH = MAX_NESTING;

export const NODE = {
  element: 1,
  attribute: 2,
  text: 3,
  cdata: 4,
  instruction: 7,
  comment: 8,
  document: 9,
  doctype: 10,
} as const;

export interface XmlAttribute {
  readonly name: string;
  readonly value: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

export function parseXml(text: string): Document {
  const parser = new DOMParser({
    onError: (_level, message) => {
      throw new XmlSyntaxError(message);
    },
  });
  let document: Document;
  try {
    document = parser.parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml');
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw error;
    // xmldom wraps what onError throws (and its own fatal errors) in a ParseError.
    const message = error instanceof Error ? error.message : String(error);
    throw new XmlSyntaxError(message.replace(/^Reporting \w+ "(.*)" caused .*$/s, '$1'));
  }
  if (elementDepth(document) > MAX_XML_DEPTH) {
    throw new XmlSyntaxError(`The XML nests elements deeper than ${MAX_XML_DEPTH} levels`);
  }
  return document;
}

/** The deepest element nesting, found without recursion. */
function elementDepth(document: Document): number {
  let deepest = 0;
  const pending: [Node, number][] = [[document, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    deepest = Math.max(deepest, depth);
    if (depth > MAX_XML_DEPTH) break;
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (child.nodeType === NODE.element) pending.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** An empty document to build into (xml() of a JSON object). */
export function newDocument(): Document {
  return new DOMImplementation().createDocument(null, '');
}

/** The pseudo-attributes of an `<?xml ...?>` declaration, when the document starts with one. */
export function declarationOf(document: Document): XmlAttribute[] | undefined {
  const first = document.firstChild;
  if (first?.nodeType !== NODE.instruction || first.nodeName !== 'xml') return undefined;
  const data = (first as unknown as { data: string }).data;
  return [...data.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)].map((match) => ({
    name: match[1] ?? '',
    value: match[2] ?? match[3] ?? '',
  }));
}

export function attributesOf(element: Element): XmlAttribute[] {
  const attributes: XmlAttribute[] = [];
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes.item(i);
    if (attribute !== null) attributes.push({ name: attribute.name, value: attribute.value });
  }
  return attributes;
}

export function childNodes(node: Node): Node[] {
  const children: Node[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) children.push(child);
  return children;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

export function serializeAttributes(attributes: readonly XmlAttribute[]): string {
  return attributes.map((attribute) => ` ${attribute.name}="${escapeAttribute(attribute.value)}"`).join('');
}

/** Compact XML in .NET's style; the declaration is rewritten with double quotes, a DOCTYPE left out. */
export function serializeNode(node: Node): string {
  switch (node.nodeType) {
    case NODE.document: {
      const declaration = declarationOf(node as Document);
      const children = childNodes(node).filter((child) => child.nodeType !== NODE.text);
      const body = (declaration === undefined ? children : children.slice(1)).map(serializeNode).join('');
      return declaration === undefined ? body : `<?xml${serializeAttributes(declaration)}?>${body}`;
    }
    case NODE.element: {
      const open = `<${node.nodeName}${serializeAttributes(attributesOf(node as Element))}`;
      const children = childNodes(node);
      if (children.length === 0) return `${open} />`;
      return `${open}>${children.map(serializeNode).join('')}</${node.nodeName}>`;
    }
    case NODE.text:
      return escapeText(node.nodeValue ?? '');
    case NODE.cdata:
      return `<![CDATA[${node.nodeValue ?? ''}]]>`;
    case NODE.comment:
      return `<!--${node.nodeValue ?? ''}-->`;
    case NODE.instruction: {
      const data = node.nodeValue ?? '';
      return `<?${node.nodeName}${data === '' ? '' : ` ${data}`}?>`;
    }
    default:
      return '';
  }
}
