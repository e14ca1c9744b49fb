import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, serializeNode, XmlSyntaxError } from './xml-document.ts';
import { XPathModel } from './xpath-nodes.ts';

test('reads declaration, attributes, entities, CDATA and comments, and writes them back compactly', () => {
  const document = parseXml(
    '\uFEFF<?xml version="1.0" encoding="utf-8"?><!DOCTYPE r><r a=\'1\' b="x &amp; y"><!--c--><e/><t>&lt;&#x41;</t><![CDATA[<raw>]]></r>',
  );
  assert.deepEqual(document.declaration, [
    { name: 'version', value: '1.0' },
    { name: 'encoding', value: 'utf-8' },
  ]);
  assert.equal(
    serializeNode(document),
    '<?xml version="1.0" encoding="utf-8"?><r a="1" b="x &amp; y"><!--c--><e /><t>&lt;A</t><![CDATA[<raw>]]></r>',
  );
});

test('rejects documents that are not well formed', () => {
  for (const text of [
    '',
    'text',
    '<a>',
    '<a></b>',
    '<a/><b/>',
    '<a x=1/>',
    '<a>x</a>tail',
    '</a>',
    '<a><!-- x</a>',
  ]) {
    assert.throws(() => parseXml(text), XmlSyntaxError, text);
  }
});

test('the XPath model gives string values and resolves namespaces from xmlns declarations', () => {
  const document = parseXml('<a xmlns="urn:d" xmlns:p="urn:p"><p:b x="1">one<c>two</c></p:b></a>');
  const model = new XPathModel(document);
  const root = document.children[0];
  assert.ok(root?.type === 'element');
  const b = root.children[0];
  assert.ok(b?.type === 'element');
  assert.equal(model.stringValue(root), 'onetwo');
  assert.equal(model.namespaceUri(root), 'urn:d');
  assert.equal(model.namespaceUri(b), 'urn:p');
  assert.deepEqual(
    model.attributes(root).map((attribute) => attribute.name),
    [],
  );
  assert.equal(model.attributes(b)[0]?.value, '1');
});
