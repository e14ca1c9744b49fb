import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_XML_DEPTH, parseXml, serializeNode, XmlSyntaxError } from './xml-document.ts';

test('reads declaration, attributes, entities, CDATA and comments, and writes them back compactly', () => {
  const document = parseXml(
    '\uFEFF<?xml version="1.0" encoding="utf-8"?><!DOCTYPE r><r a=\'1\' b="x &amp; y"><!--c--><e/><t>&lt;&#x41;</t><![CDATA[<raw>]]></r>',
  );
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

test('entities declared in a DTD are neither expanded nor fetched', () => {
  const bomb =
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>';
  assert.throws(() => parseXml(bomb), /entity not found:&c;/);
  const external = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
  assert.throws(() => parseXml(external), /entity not found:&x;/);
  assert.throws(() => parseXml('<a>&nbsp;</a>'), XmlSyntaxError);
});

test(`elements nested deeper than ${MAX_XML_DEPTH} levels are refused, even 10,000 deep`, () => {
  const nested = (depth: number) => '<a>'.repeat(depth) + '</a>'.repeat(depth);
  assert.doesNotThrow(() => parseXml(nested(MAX_XML_DEPTH)));
  for (const depth of [MAX_XML_DEPTH + 1, 10_000]) {
    assert.throws(() => parseXml(nested(depth)), /nests elements deeper than 64 levels/);
  }
});
