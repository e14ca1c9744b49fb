import { test } from 'node:test';
import { errorTable, resultTable } from '../../../../test/support/pipelines/fake-context.ts';

const helloBinary = { '$content-type': 'application/octet-stream', $content: 'aGVsbG8=' };

resultTable(test, [
  ["@base64('hello')", 'aGVsbG8='],
  ["@base64('héllo ✓')", 'aMOpbGxvIOKckw=='],
  ["@base64ToString('aGVsbG8=')", 'hello'],
  ["@decodeBase64('aGVsbG8=')", 'hello'],
  ["@base64ToString(base64('héllo ✓'))", 'héllo ✓'],
  ["@base64ToBinary('aGVsbG8=')", helloBinary],
  ["@binary('hello')", helloBinary],
  ["@base64(binary('hello'))", 'aGVsbG8='],
  ["@string(binary('hello'))", 'aGVsbG8='],
  ["@dataUri('hello')", 'data:text/plain;charset=utf-8;base64,aGVsbG8='],
  ["@dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=')", 'hello'],
  ["@dataUriToString('data:,hello%20world')", 'hello world'],
  [
    "@dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8=')",
    { '$content-type': 'text/plain;charset=utf-8', $content: 'aGVsbG8=' },
  ],
  [
    "@decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8=')",
    { '$content-type': 'text/plain;charset=utf-8', $content: 'aGVsbG8=' },
  ],
  ["@string(dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8='))", 'hello'],
  ["@dataUri(dataUriToBinary('data:application/json;base64,e30='))", 'data:application/json;base64,e30='],
  ["@uriComponent('https://contoso.com')", 'https%3A%2F%2Fcontoso.com'],
  ["@encodeUriComponent('a b&c=d/é')", 'a%20b%26c%3Dd%2F%C3%A9'],
  ["@uriComponent('!''()*-._~')", '%21%27%28%29%2A-._~'],
  ['@uriComponent(42)', '42'],
  ["@decodeUriComponent('http%3A%2F%2Fcontoso.com')", 'http://contoso.com'],
  ["@uriComponentToString('a%20b%C3%A9')", 'a bé'],
  ["@uriComponentToString('100%')", '100%'],
  ["@uriComponentToString('a+b')", 'a+b'],
  ["@uriComponentToString(replace(uriComponent('Contoso-\nCorporation'), '%0A', ''))", 'Contoso-Corporation'],
  [
    "@uriComponentToBinary('http%3A%2F%2Fcontoso.com')",
    { '$content-type': 'application/octet-stream', $content: 'aHR0cDovL2NvbnRvc28uY29t' },
  ],
]);

errorTable(test, [
  ["@base64ToString('not base64!')", /'base64ToString' was invoked with a parameter that is not valid/],
  ["@base64ToString('abc')", /not a valid base64 string/],
  ['@base64(null)', /'base64' expects its parameter to be a string or a binary value/],
  ["@dataUriToString('hello')", /not a valid data URI/],
  ['@uriComponent(null)', /'uriComponent' expects its parameter to be a string/],
]);
