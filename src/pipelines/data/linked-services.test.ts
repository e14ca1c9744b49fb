import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { secretBoxFromKey } from '../../auth/secrets/secret-box.ts';
import {
  LINKED_SERVICE_MASK,
  maskLinkedService,
  openLinkedService,
  readLinkedService,
  sealLinkedService,
  secretsOf,
} from './linked-services.ts';

const KEY = 'c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==';
const SIG = 'sig%2Babc123def456';
const box = secretBoxFromKey(randomBytes(32));

const blob = (typeProperties: Record<string, unknown>) => ({
  properties: { type: 'AzureBlobStorage', typeProperties },
});

void describe('linked services', () => {
  it('seals every secret, masks it for reads and opens it for activities', () => {
    const read = readLinkedService(
      blob({ connectionString: `AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net` }),
    );
    const sealed = sealLinkedService(read, box, undefined);
    assert.doesNotMatch(JSON.stringify(sealed), new RegExp(KEY));
    assert.deepEqual(maskLinkedService(sealed).typeProperties['connectionString'], {
      type: 'SecureString',
      value: LINKED_SERVICE_MASK,
    });
    const opened = openLinkedService(sealed, box);
    assert.match(JSON.stringify(opened), new RegExp(KEY.slice(0, 12)));
    assert.ok(secretsOf(opened).includes(KEY), 'the key inside the connection string is a secret of its own');
  });

  it('keeps the stored secret when the mask is sent back, and refuses a mask with nothing to keep', () => {
    const first = sealLinkedService(
      readLinkedService(blob({ sasUri: `https://a.blob.core.windows.net/?sv=1&${SIG.replace('%2B', '')}` })),
      box,
      undefined,
    );
    const again = sealLinkedService(
      readLinkedService(blob({ sasUri: { type: 'SecureString', value: LINKED_SERVICE_MASK } })),
      box,
      first,
    );
    assert.deepEqual(again.typeProperties['sasUri'], first.typeProperties['sasUri']);
    assert.throws(
      () => sealLinkedService(readLinkedService(blob({ sasUri: LINKED_SERVICE_MASK })), box, undefined),
      /sasUri' is the mask/,
    );
  });

  it('names the field to fix', () => {
    const cases: [unknown, RegExp][] = [
      [{ properties: { type: 'Snowflake', typeProperties: {} } }, /properties\.type.*AzureBlobStorage/],
      [blob({}), /exactly one of connectionString, sasUri, serviceEndpoint/],
      [blob({ connectionString: 'AccountName=a' }), /no AccountKey or SharedAccessSignature/],
      [blob({ sasUri: 'ftp://x' }), /sasUri' must be an http or https URL/],
      [blob({ serviceEndpoint: 'http://169.254.169.254/' }), /metadata address/],
      [
        {
          properties: {
            type: 'HttpServer',
            typeProperties: { url: 'http://h', authenticationType: 'Digest' },
          },
        },
        /Anonymous or Basic/,
      ],
      [
        { properties: { type: 'HttpServer', typeProperties: { url: 'https://u:pw@files.example.com/' } } },
        /url' carries a user name, password or token/,
      ],
      [
        { properties: { type: 'HttpServer', typeProperties: { url: 'https://files.example.com/?sig=abc' } } },
        /url' carries a user name, password or token/,
      ],
      [{ properties: { type: 'AmazonS3', typeProperties: { accessKeyId: 'AK' } } }, /secretAccessKey/],
    ];
    for (const [body, message] of cases) assert.throws(() => readLinkedService(body), message);
  });
});
