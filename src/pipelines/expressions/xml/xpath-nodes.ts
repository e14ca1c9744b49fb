/**
 * The XPath data model over a parsed XmlDocument: parent links, attribute nodes with a stable identity,
 * document order, string-values and namespace lookup. Built once per xpath() call.
 */
import type {
  XmlAttribute,
  XmlComment,
  XmlDocument,
  XmlElement,
  XmlInstruction,
  XmlText,
} from './xml-document.ts';

export interface AttributeNode {
  readonly type: 'attribute';
  readonly name: string;
  readonly value: string;
  readonly owner: XmlElement;
}

export type XPathNode = XmlDocument | XmlElement | XmlText | XmlComment | XmlInstruction | AttributeNode;

export class XPathModel {
  readonly document: XmlDocument;
  private readonly parents = new Map<XPathNode, XPathNode>();
  private readonly order = new Map<XPathNode, number>();
  private readonly attributeNodes = new Map<XmlAttribute, AttributeNode>();

  constructor(document: XmlDocument) {
    this.document = document;
    this.index(document);
  }

  private index(node: XmlDocument | XmlElement): void {
    this.order.set(node, this.order.size);
    if (node.type === 'element') {
      for (const attribute of node.attributes) {
        const wrapped: AttributeNode = {
          type: 'attribute',
          name: attribute.name,
          value: attribute.value,
          owner: node,
        };
        this.attributeNodes.set(attribute, wrapped);
        this.parents.set(wrapped, node);
        this.order.set(wrapped, this.order.size);
      }
    }
    for (const child of node.children) {
      this.parents.set(child, node);
      if (child.type === 'element') this.index(child);
      else this.order.set(child, this.order.size);
    }
  }

  parent(node: XPathNode): XPathNode | undefined {
    return this.parents.get(node);
  }

  children(node: XPathNode): XPathNode[] {
    return node.type === 'document' || node.type === 'element' ? [...node.children] : [];
  }

  attributes(node: XPathNode): AttributeNode[] {
    if (node.type !== 'element') return [];
    return node.attributes
      .filter((attribute) => attribute.name !== 'xmlns' && !attribute.name.startsWith('xmlns:'))
      .flatMap((attribute) => this.attributeNodes.get(attribute) ?? []);
  }

  descendants(node: XPathNode): XPathNode[] {
    return this.children(node).flatMap((child) => [child, ...this.descendants(child)]);
  }

  ancestors(node: XPathNode): XPathNode[] {
    const result: XPathNode[] = [];
    for (let parent = this.parent(node); parent !== undefined; parent = this.parent(parent))
      result.push(parent);
    return result;
  }

  sortAndDedupe(nodes: readonly XPathNode[]): XPathNode[] {
    return [...new Set(nodes)].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
  }

  stringValue(node: XPathNode): string {
    switch (node.type) {
      case 'document':
      case 'element':
        return this.descendants(node)
          .map((child) => (child.type === 'text' ? child.value : ''))
          .join('');
      case 'text':
      case 'comment':
      case 'attribute':
        return node.value;
      case 'instruction':
        return node.data;
    }
  }

  name(node: XPathNode): string {
    if (node.type === 'element' || node.type === 'attribute') return node.name;
    return node.type === 'instruction' ? node.target : '';
  }

  /** The namespace URI of an element or attribute, from the `xmlns` declarations in scope. */
  namespaceUri(node: XPathNode): string {
    if (node.type !== 'element' && node.type !== 'attribute') return '';
    const colon = node.name.indexOf(':');
    if (colon < 0 && node.type === 'attribute') return '';
    const attributeName = colon < 0 ? 'xmlns' : `xmlns:${node.name.slice(0, colon)}`;
    const start = node.type === 'element' ? node : node.owner;
    for (let current: XPathNode | undefined = start; current !== undefined; current = this.parent(current)) {
      if (current.type !== 'element') continue;
      const declaration = current.attributes.find((attribute) => attribute.name === attributeName);
      if (declaration !== undefined) return declaration.value;
    }
    return '';
  }
}

export function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}
