/**
 * A small XML reader and writer for xml(), xpath() and json(xml) (spec §3.5). It reads what pipelines pass
 * around (elements, attributes, text, CDATA, comments, the `<?xml?>` declaration, a skipped DOCTYPE, the five
 * named entities and character references) and writes compact XML in .NET's style (`<a />` for empty
 * elements). Namespaces are kept as prefixed names plus their `xmlns` attributes.
 */

export interface XmlAttribute {
  readonly name: string;
  readonly value: string;
}

export interface XmlElement {
  readonly type: 'element';
  readonly name: string;
  readonly attributes: XmlAttribute[];
  readonly children: XmlNode[];
}

export interface XmlText {
  readonly type: 'text';
  readonly value: string;
  readonly cdata: boolean;
}

export interface XmlComment {
  readonly type: 'comment';
  readonly value: string;
}

export interface XmlInstruction {
  readonly type: 'instruction';
  readonly target: string;
  readonly data: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment | XmlInstruction;

export interface XmlDocument {
  readonly type: 'document';
  /** Attributes of the `<?xml ...?>` declaration, when present. */
  readonly declaration: XmlAttribute[] | undefined;
  readonly children: XmlNode[];
}

export class XmlSyntaxError extends Error {
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'XmlSyntaxError';
  }
}

const NAME = /[A-Za-z_:][\w:.-]*/y;
const ATTRIBUTE = /\s*([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (match, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? match;
  });
}

export function parseXml(text: string): XmlDocument {
  const reader = new XmlReader(text.replace(/^\uFEFF/, ''));
  return reader.document();
}

class XmlReader {
  private readonly text: string;
  private position = 0;

  constructor(text: string) {
    this.text = text;
  }

  document(): XmlDocument {
    let declaration: XmlAttribute[] | undefined;
    this.skipWhitespace();
    if (this.text.startsWith('<?xml', this.position) && /\s/.test(this.text.charAt(this.position + 5))) {
      const end = this.indexOrFail('?>', this.position);
      declaration = this.attributes(this.text.slice(this.position + 5, end));
      this.position = end + 2;
    }
    const children = this.content(undefined);
    const roots = children.filter((child) => child.type === 'element');
    if (roots.length !== 1)
      throw new XmlSyntaxError('An XML document must have exactly one root element', this.position);
    if (children.some((child) => child.type === 'text' && child.value.trim() !== '')) {
      throw new XmlSyntaxError('Text is not allowed outside the root element', this.position);
    }
    return { type: 'document', declaration, children: children.filter((child) => child.type !== 'text') };
  }

  /** Reads nodes until `</closing>` (or the end of the text for the document level). */
  private content(closing: string | undefined): XmlNode[] {
    const nodes: XmlNode[] = [];
    while (this.position < this.text.length) {
      if (this.text.startsWith('</', this.position)) {
        if (closing === undefined) throw new XmlSyntaxError('Unexpected closing tag', this.position);
        const end = this.indexOrFail('>', this.position);
        const name = this.text.slice(this.position + 2, end).trim();
        if (name !== closing)
          throw new XmlSyntaxError(`Expected </${closing}> but found </${name}>`, this.position);
        this.position = end + 1;
        return nodes;
      }
      const node = this.text.charAt(this.position) === '<' ? this.markup() : this.textNode();
      if (node !== undefined) nodes.push(node);
    }
    if (closing !== undefined)
      throw new XmlSyntaxError(`The element <${closing}> is not closed`, this.position);
    return nodes;
  }

  private markup(): XmlNode | undefined {
    if (this.text.startsWith('<!--', this.position)) {
      const end = this.indexOrFail('-->', this.position);
      const value = this.text.slice(this.position + 4, end);
      this.position = end + 3;
      return { type: 'comment', value };
    }
    if (this.text.startsWith('<![CDATA[', this.position)) {
      const end = this.indexOrFail(']]>', this.position);
      const value = this.text.slice(this.position + 9, end);
      this.position = end + 3;
      return { type: 'text', value, cdata: true };
    }
    if (this.text.startsWith('<!DOCTYPE', this.position)) {
      this.position = this.indexOrFail('>', this.position) + 1;
      return undefined;
    }
    if (this.text.startsWith('<?', this.position)) {
      const end = this.indexOrFail('?>', this.position);
      const [target = '', ...rest] = this.text.slice(this.position + 2, end).split(/\s+/);
      this.position = end + 2;
      return { type: 'instruction', target, data: rest.join(' ') };
    }
    return this.element();
  }

  private element(): XmlElement {
    this.position++;
    NAME.lastIndex = this.position;
    const name = NAME.exec(this.text)?.[0];
    if (name === undefined) throw new XmlSyntaxError('Expected an element name', this.position);
    this.position += name.length;
    const tagEnd = this.tagEnd();
    const attributes = this.attributes(this.text.slice(this.position, tagEnd.at));
    this.position = tagEnd.at + (tagEnd.selfClosing ? 2 : 1);
    const children = tagEnd.selfClosing ? [] : this.content(name);
    return { type: 'element', name, attributes, children };
  }

  /** Finds the `>` or `/>` ending a start tag, skipping quoted attribute values. */
  private tagEnd(): { at: number; selfClosing: boolean } {
    let quote = '';
    for (let i = this.position; i < this.text.length; i++) {
      const char = this.text.charAt(i);
      if (quote !== '') {
        if (char === quote) quote = '';
      } else if (char === '"' || char === "'") {
        quote = char;
      } else if (char === '>') {
        return { at: i, selfClosing: false };
      } else if (char === '/' && this.text.charAt(i + 1) === '>') {
        return { at: i, selfClosing: true };
      }
    }
    throw new XmlSyntaxError('The start tag is not closed', this.position);
  }

  private attributes(source: string): XmlAttribute[] {
    const attributes: XmlAttribute[] = [];
    let position = 0;
    for (;;) {
      ATTRIBUTE.lastIndex = position;
      const match = ATTRIBUTE.exec(source);
      if (match === null) break;
      attributes.push({ name: match[1] ?? '', value: decodeEntities(match[2] ?? match[3] ?? '') });
      position = ATTRIBUTE.lastIndex;
    }
    if (source.slice(position).trim() !== '')
      throw new XmlSyntaxError(`Invalid attribute text '${source.slice(position).trim()}'`, this.position);
    return attributes;
  }

  private textNode(): XmlText {
    const end = this.text.indexOf('<', this.position);
    const raw = this.text.slice(this.position, end < 0 ? undefined : end);
    this.position = end < 0 ? this.text.length : end;
    return { type: 'text', value: decodeEntities(raw), cdata: false };
  }

  private indexOrFail(token: string, from: number): number {
    const index = this.text.indexOf(token, from);
    if (index < 0) throw new XmlSyntaxError(`Expected '${token}'`, from);
    return index;
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length && /\s/.test(this.text.charAt(this.position))) this.position++;
  }
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

function serializeAttributes(attributes: readonly XmlAttribute[]): string {
  return attributes.map((attribute) => ` ${attribute.name}="${escapeAttribute(attribute.value)}"`).join('');
}

export function serializeNode(node: XmlNode | XmlDocument): string {
  switch (node.type) {
    case 'document': {
      const declaration =
        node.declaration === undefined ? '' : `<?xml${serializeAttributes(node.declaration)}?>`;
      return declaration + node.children.map(serializeNode).join('');
    }
    case 'element': {
      const open = `<${node.name}${serializeAttributes(node.attributes)}`;
      if (node.children.length === 0) return `${open} />`;
      return `${open}>${node.children.map(serializeNode).join('')}</${node.name}>`;
    }
    case 'text':
      return node.cdata ? `<![CDATA[${node.value}]]>` : escapeText(node.value);
    case 'comment':
      return `<!--${node.value}-->`;
    case 'instruction':
      return `<?${node.target}${node.data === '' ? '' : ` ${node.data}`}?>`;
  }
}
