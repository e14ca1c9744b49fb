import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAssetRef, parseDatastoreUri, normaliseDatastorePath } from './references.ts';

test('asset references in every form', () => {
  assert.deepEqual(parseAssetRef('azureml:heart:3'), { kind: undefined, name: 'heart', version: '3' });
  assert.deepEqual(parseAssetRef('azureml:heart@latest'), {
    kind: undefined,
    name: 'heart',
    version: 'latest',
  });
  assert.deepEqual(
    parseAssetRef(
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/models/m/versions/2',
    ),
    { kind: 'models', name: 'm', version: '2' },
  );
  assert.deepEqual(parseAssetRef('azureml://locations/eastus/workspaces/w/data/d/versions/labels/latest'), {
    kind: 'data',
    name: 'd',
    version: 'latest',
  });
  assert.equal(parseAssetRef('azureml://datastores/x/paths/y'), undefined);
  assert.equal(parseAssetRef('./local'), undefined);
});

test('datastore URIs in short, long and ARM forms', () => {
  const expected = { datastore: 'workspaceblobstore', path: 'a/b.csv' };
  assert.deepEqual(parseDatastoreUri('azureml://datastores/workspaceblobstore/paths/a/b.csv'), expected);
  assert.deepEqual(
    parseDatastoreUri(
      'azureml://subscriptions/s/resourcegroups/rg/workspaces/w/datastores/workspaceblobstore/paths/a//b.csv',
    ),
    expected,
  );
  assert.deepEqual(
    parseDatastoreUri(
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/datastores/workspaceblobstore/paths/./a/b.csv',
    ),
    expected,
  );
  assert.deepEqual(parseDatastoreUri('azureml://datastores/d/paths'), { datastore: 'd', path: '' });
});

test('paths that climb out of a datastore are refused', () => {
  assert.throws(() => normaliseDatastorePath('../../etc/passwd'), /'\.\.' is not allowed/);
  assert.equal(normaliseDatastorePath('a/%2e%2e/etc'), 'a/%2e%2e/etc');
  assert.equal(normaliseDatastorePath('/a/./b/'), 'a/b');
});
