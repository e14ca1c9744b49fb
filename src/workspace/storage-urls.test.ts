import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageUrlToDatastoreUri, type StorageDatastoreFacts } from './storage-urls.ts';

const DATASTORES: StorageDatastoreFacts[] = [
  { name: 'workspaceblobstore', datastoreType: 'LocalFolder' },
  {
    name: 'sales',
    datastoreType: 'AzureBlob',
    accountName: 'acme',
    containerName: 'sales',
    endpoint: 'core.windows.net',
  },
  { name: 'lake', datastoreType: 'AzureDataLakeGen2', accountName: 'acmelake', filesystem: 'raw' },
  {
    name: 'china',
    datastoreType: 'AzureBlob',
    accountName: 'acme',
    containerName: 'sales',
    endpoint: 'core.chinacloudapi.cn',
  },
  { name: 'bucket', datastoreType: 'S3', bucket: 'scores-in', endpoint: 'http://127.0.0.1:4568' },
  {
    name: 'dev',
    datastoreType: 'AzureBlob',
    accountName: 'devstoreaccount1',
    containerName: 'inputs',
    endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
  },
];

const rewrite = (uri: string, list = DATASTORES) => storageUrlToDatastoreUri(uri, 'InputData.in.Uri', list);

describe('storageUrlToDatastoreUri', () => {
  it('rewrites each storage URL form to the datastore over that container', () => {
    const cases: [string, string][] = [
      [
        'https://acme.blob.core.windows.net/sales/2026/q4.csv',
        'azureml://datastores/sales/paths/2026/q4.csv',
      ],
      [
        'https://ACME.blob.core.windows.net/sales/a%20b.csv?sv=2020&se=x',
        'azureml://datastores/sales/paths/a b.csv',
      ],
      ['wasbs://sales@acme.blob.core.windows.net/2026/', 'azureml://datastores/sales/paths/2026'],
      ['wasb://sales@acme.blob.core.chinacloudapi.cn/x.csv', 'azureml://datastores/china/paths/x.csv'],
      ['abfss://raw@acmelake.dfs.core.windows.net/events', 'azureml://datastores/lake/paths/events'],
      [
        'https://acmelake.dfs.core.windows.net/raw/events/a.csv',
        'azureml://datastores/lake/paths/events/a.csv',
      ],
      ['s3://scores-in/batch/1.csv', 'azureml://datastores/bucket/paths/batch/1.csv'],
      [
        'https://scores-in.s3.eu-west-1.amazonaws.com/batch/1.csv',
        'azureml://datastores/bucket/paths/batch/1.csv',
      ],
      ['https://scores-in.s3.amazonaws.com/batch', 'azureml://datastores/bucket/paths/batch'],
      [
        'https://s3.us-east-2.amazonaws.com/scores-in/batch/1.csv',
        'azureml://datastores/bucket/paths/batch/1.csv',
      ],
      ['http://127.0.0.1:4568/scores-in/batch', 'azureml://datastores/bucket/paths/batch'],
      ['http://127.0.0.1:10000/devstoreaccount1/inputs/folder', 'azureml://datastores/dev/paths/folder'],
      ['https://acme.blob.core.windows.net/sales', 'azureml://datastores/sales/paths/'],
    ];
    for (const [url, expected] of cases) assert.equal(rewrite(url), expected, url);
  });

  it('leaves what is not a storage URL alone', () => {
    for (const uri of [
      'azureml://datastores/sales/paths/x',
      'azureml:data:1',
      'https://files.example.com/data/x.csv',
      'http://127.0.0.1:10000/otheraccount/inputs/x',
    ])
      assert.equal(rewrite(uri), undefined, uri);
  });

  it('refuses a storage URL no datastore covers, naming the input and what to register', () => {
    assert.throws(
      () => rewrite('https://other.blob.core.windows.net/c/x.csv?sig=SECRET'),
      (e: Error) =>
        /InputData\.in\.Uri.*https:\/\/other\.blob\.core\.windows\.net\/c\/x\.csv is in no registered datastore.*account_name other, container_name c/.test(
          e.message,
        ) && !e.message.includes('SECRET'),
    );
    assert.throws(() => rewrite('s3://nobody/x'), /s3 datastore \(bucket nobody\)/);
    assert.throws(() => rewrite('https://nobody.s3.amazonaws.com/x'), /s3 datastore \(bucket nobody\)/);
    assert.throws(() => rewrite('abfss://fs@acmelake.dfs.core.windows.net/x'), /filesystem fs/);
    assert.throws(() => rewrite('wasbs://c@not-azure.example/x'), /must name an account host/);
  });

  it('refuses a URL two datastores cover, and a path that climbs out of the container', () => {
    const twice = [...DATASTORES, { ...DATASTORES[1], name: 'sales2' } as StorageDatastoreFacts];
    assert.throws(() => rewrite('https://acme.blob.core.windows.net/sales/x', twice), /sales, sales2/);
    assert.throws(() => rewrite('s3://scores-in/a/../../x'), /'\.\.' is not allowed/);
    // An https URL's '..' (encoded or not) is resolved by the URL parser: it names another container.
    assert.throws(() => rewrite('https://acme.blob.core.windows.net/sales/%2e%2e/x'), /container_name x\)/);
    // An encoded '/' inside a segment is decoded after that: a '..' it reveals is refused.
    assert.throws(
      () => rewrite('https://acme.blob.core.windows.net/sales/a%2F..%2F..%2Fx'),
      /'\.\.' is not allowed/,
    );
  });
});
