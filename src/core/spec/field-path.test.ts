import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { getAtPath, parseFieldPath, parseOverride, parseSetValue, setAtPath } from './field-path.ts';

void describe('parseFieldPath', () => {
  void it('splits dotted keys and bracket indices', () => {
    assert.deepEqual(parseFieldPath('settings.retry_settings.max_retries'), [
      'settings',
      'retry_settings',
      'max_retries',
    ]);
    assert.deepEqual(parseFieldPath('inputs.items[0][2].name'), ['inputs', 'items', 0, 2, 'name']);
    assert.deepEqual(parseFieldPath('$schema'), ['$schema']);
  });

  void it('rejects empty segments and stray brackets', () => {
    for (const bad of ['', 'a..b', 'a.', '.a', '[0]', 'a[x]', 'a]b']) {
      assert.equal(parseFieldPath(bad), undefined, bad);
    }
  });
});

void describe('parseSetValue', () => {
  void it('types plain scalars the way YAML does', () => {
    assert.equal(parseSetValue('5'), 5);
    assert.equal(parseSetValue('-1'), -1);
    assert.equal(parseSetValue('0.5'), 0.5);
    assert.equal(parseSetValue('true'), true);
    assert.equal(parseSetValue('False'), false);
    assert.equal(parseSetValue('null'), null);
    assert.equal(parseSetValue('~'), null);
    assert.equal(parseSetValue('blue'), 'blue');
    assert.equal(parseSetValue("'007'"), '007');
  });

  void it('keeps text that is not a single usable scalar', () => {
    assert.equal(parseSetValue('"unterminated'), '"unterminated');
    assert.equal(parseSetValue('{a: 1}'), '{a: 1}');
    assert.equal(parseSetValue('.inf'), '.inf');
    assert.equal(parseSetValue('azureml://datastores/ws/paths/x'), 'azureml://datastores/ws/paths/x');
    assert.equal(parseSetValue('azureml:heart@latest'), 'azureml:heart@latest');
  });
});

void describe('parseOverride and setAtPath', () => {
  void it('splits at the first equals sign', () => {
    assert.deepEqual(parseOverride('tags.k=a=b'), { path: 'tags.k', segments: ['tags', 'k'], value: 'a=b' });
    assert.equal(typeof parseOverride('no-equals'), 'string');
  });

  void it('appends to a list at its length but not past it', () => {
    const doc: Record<string, unknown> = { list: ['a'] };
    assert.equal(setAtPath(doc, ['list', 1], 'b'), undefined);
    assert.deepEqual(doc.list, ['a', 'b']);
    assert.match(setAtPath(doc, ['list', 5], 'c') ?? '', /no index 5/);
  });

  void it('reads nested values back', () => {
    const doc = { a: { b: [{ c: 1 }] } };
    assert.equal(getAtPath(doc, ['a', 'b', 0, 'c']), 1);
    assert.equal(getAtPath(doc, ['a', 'b', '0', 'c']), 1);
    assert.equal(getAtPath(doc, ['a', 'x', 'c']), undefined);
    assert.equal(getAtPath(doc, ['a', 'b', 1]), undefined);
  });
});
