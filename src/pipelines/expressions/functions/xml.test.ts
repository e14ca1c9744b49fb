import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorTable, evaluate, resultTable } from '../../../../test/support/pipelines/fake-context.ts';

const produce =
  '<?xml version="1.0"?><produce><item><name>Gala</name><type>apple</type><count>20</count></item>' +
  '<item><name>Honeycrisp</name><type>apple</type><count>10</count></item></produce>';
const namespaced =
  '<?xml version="1.0"?> <file xmlns="http://contoso.com"> <location>Paris</location> </file>';
const options = { parameters: { produce, namespaced } };

function xmlContent(text: string) {
  return { '$content-type': 'application/xml;charset=utf-8', $content: Buffer.from(text).toString('base64') };
}

resultTable(
  test,
  [
    ["@xml('<name>Sophia Owen</name>')", xmlContent('<name>Sophia Owen</name>')],
    ['@string(xml(json(\'{ "name": "Sophia Owen" }\')))', '<name>Sophia Owen</name>'],
    [
      '@string(xml(json(\'{"person": {"name": "Sophia Owen", "city": "Seattle"}}\')))',
      '<person><name>Sophia Owen</name><city>Seattle</city></person>',
    ],
    [
      '@string(xml(json(\'{"?xml": {"@version": "1.0"}, "r": {"@id": 1, "i": [1, 2], "e": null, "#text": "t&"}}\')))',
      '<?xml version="1.0"?><r id="1"><i>1</i><i>2</i><e />t&amp;</r>',
    ],
    [
      "@json(xml('<?xml version=\"1.0\"?> <root> <person id=''1''> <name>Sophia Owen</name> <occupation>Engineer</occupation> </person> </root>'))",
      {
        '?xml': { '@version': '1.0' },
        root: { person: { '@id': '1', name: 'Sophia Owen', occupation: 'Engineer' } },
      },
    ],
    ["@json(xml('<a><b>1</b><b>2</b><c/></a>'))", { a: { b: ['1', '2'], c: null } }],
    ['@json(xml(\'<a x="1">text<b>2</b></a>\'))', { a: { '@x': '1', '#text': 'text', b: '2' } }],
    ["@json(xml('<a><![CDATA[<raw>]]></a>'))", { a: { '#cdata-section': '<raw>' } }],
    ["@json(xml('<a>&lt;&amp;&#65;</a>')).a", '<&A'],
    ["@xpath(xml(pipeline().parameters.produce), 'sum(/produce/item/count)')", 30],
    ["@xpath(xml(pipeline().parameters.produce), 'count(//item)')", 2],
    ["@xpath(xml(pipeline().parameters.produce), '/produce/item/name/text()')", ['Gala', 'Honeycrisp']],
    [
      "@xpath(xml(pipeline().parameters.produce), '/produce/item/name')",
      [xmlContent('<name>Gala</name>'), xmlContent('<name>Honeycrisp</name>')],
    ],
    ["@xpath(xml(pipeline().parameters.produce), 'string(/produce/item[count > 15]/name)')", 'Gala'],
    ["@xpath(xml(pipeline().parameters.produce), 'string(//item[last()]/name)')", 'Honeycrisp'],
    ["@xpath(xml(pipeline().parameters.produce), 'string(//item[2]/name)')", 'Honeycrisp'],
    ['@xpath(xml(pipeline().parameters.produce), \'//item[name="Gala"]/count/text()\')[0]', '20'],
    ['@xpath(xml(pipeline().parameters.produce), \'boolean(//item[type="pear"])\')', false],
    ["@xpath(xml(pipeline().parameters.produce), 'count(//item) * 10 + 1')", 21],
    [
      '@xpath(xml(pipeline().parameters.produce), \'concat(name(/*), "-", local-name(//item[1]/*[1]))\')',
      'produce-name',
    ],
    ['@xpath(xml(pipeline().parameters.produce), \'//name[starts-with(., "Hon")]/text()\')', ['Honeycrisp']],
    [
      '@xpath(xml(pipeline().parameters.produce), \'translate(normalize-space("  a  b "), "ab", "AB")\')',
      'A B',
    ],
    ['@xpath(xml(\'<a><b id="1"/><b id="2"/></a>\'), \'//b/@id\')', ['1', '2']],
    ['@xpath(xml(\'<a><b id="1"/><b id="2"/></a>\'), \'//b[@id=2]/@id\')', ['2']],
    ["@xpath(xml('<a><b/><c/></a>'), 'name(//c/preceding-sibling::*[1])')", 'b'],
    ["@xpath(xml('<a><b><c/></b></a>'), 'name(//c/ancestor::*[last()])')", 'a'],
    ["@xpath(xml('<a><b/></a>'), '//b/..')", [xmlContent('<a><b /></a>')]],
    [
      '@xpath(xml(pipeline().parameters.namespaced), \'/*[name()="file"]/*[name()="location"]/text()\')',
      ['Paris'],
    ],
    [
      '@xpath(xml(pipeline().parameters.namespaced), \'string(/*[local-name()="file" and namespace-uri()="http://contoso.com"]/*[local-name()="location"])\')',
      'Paris',
    ],
    ["@xpath(xml(pipeline().parameters.namespaced), '/file/location')", []],
  ],
  options,
);

test('an XML value round-trips through JSON as a $content object', () => {
  const stored = evaluate("@xml('<a>1</a>')");
  assert.equal(evaluate('@json(pipeline().parameters.x).a', { parameters: { x: stored } }), '1');
  assert.deepEqual(
    evaluate("@xpath(pipeline().parameters.x, 'string(/a)')", { parameters: { x: stored } }),
    '1',
  );
});

errorTable(test, [
  ["@xml('<a><b></a>')", /'xml' parameter is not valid XML/],
  ["@xml('not xml')", /'xml' parameter is not valid XML/],
  ['@xml(json(\'{"a":1,"b":2}\'))', /'xml' expects an object with exactly one root property/],
  ['@xml(json(\'{"a":[1,2]}\'))', /exactly one root property that is not an array/],
  ['@xml(1)', /'xml' expects its parameter to be a string or an object/],
  ["@xpath(xml('<a/>'), '//')", /'xpath' cannot evaluate the XPath '\/\/'/],
  ["@xpath(xml('<a/>'), 'foo()')", /XPath function 'foo' is not supported/],
]);

test('XML and XPath nested 10,000 deep fail the expression instead of the stack', () => {
  const deepXml = '<a>'.repeat(10_000) + '</a>'.repeat(10_000);
  assert.throws(
    () => evaluate('@xml(pipeline().parameters.x)', { parameters: { x: deepXml } }),
    /'xml' parameter is not valid XML: The XML nests elements deeper than 64 levels/,
  );
  const deepPath = `${'('.repeat(10_000)}1${')'.repeat(10_000)}`;
  assert.throws(
    () => evaluate("@xpath(xml('<a/>'), pipeline().parameters.p)", { parameters: { p: deepPath } }),
    /'xpath' cannot evaluate the XPath .*nests brackets deeper than 64 levels/,
  );
  let deepObject: unknown = 1;
  for (let i = 0; i < 10_000; i++) deepObject = { a: deepObject };
  assert.throws(
    () => evaluate('@xml(pipeline().parameters.o)', { parameters: { o: deepObject } }),
    /cannot convert an object nested deeper than 64 levels to XML/,
  );
});
