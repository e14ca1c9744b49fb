/**
 * Azure's datastore YAML (and our `type: s3`) become Azure's ARM bodies: each kind with its credentials,
 * and without `credentials` for identity-based access (`credentialsType: None`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlSpec } from '../../core/spec/yaml-source.ts';
import { datastoreRequest } from './datastore-spec.ts';

const propertiesOf = (yaml: string) => {
  const { body } = datastoreRequest(parseYamlSpec(yaml, 'datastore.yml'));
  return (body as { properties: Record<string, unknown> }).properties;
};

function refusal(yaml: string): string {
  try {
    datastoreRequest(parseYamlSpec(yaml, 'datastore.yml'));
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the spec was accepted');
}

test('azure_blob without credentials is identity-based access', () => {
  assert.deepEqual(propertiesOf('name: b\ntype: azure_blob\naccount_name: acct\ncontainer_name: c\n'), {
    datastoreType: 'AzureBlob',
    accountName: 'acct',
    containerName: 'c',
    credentials: { credentialsType: 'None' },
  });
  assert.match(
    refusal('name: b\ntype: azure_blob\naccount_name: a\ncontainer_name: c\ncredentials: {}\n'),
    /exactly one of credentials\.account_key or credentials\.sas_token, or leave credentials out/,
  );
});

test('azure_data_lake_gen2 takes a service principal, or none', () => {
  const yaml = [
    'name: lake',
    'type: azure_data_lake_gen2',
    'account_name: acct',
    'filesystem: fs',
    'endpoint: core.chinacloudapi.cn',
    'protocol: https',
    'credentials:',
    '  tenant_id: t-1',
    '  client_id: c-1',
    '  client_secret: s-1',
    '  authority_url: https://login.chinacloudapi.cn',
    '  resource_url: https://storage.azure.com/',
    '',
  ].join('\n');
  assert.deepEqual(propertiesOf(yaml), {
    datastoreType: 'AzureDataLakeGen2',
    accountName: 'acct',
    filesystem: 'fs',
    endpoint: 'core.chinacloudapi.cn',
    protocol: 'https',
    credentials: {
      credentialsType: 'ServicePrincipal',
      tenantId: 't-1',
      clientId: 'c-1',
      authorityUrl: 'https://login.chinacloudapi.cn',
      resourceUrl: 'https://storage.azure.com/',
      secrets: { secretsType: 'ServicePrincipal', clientSecret: 's-1' },
    },
  });
  assert.deepEqual(
    propertiesOf('name: l\ntype: azure_data_lake_gen2\naccount_name: a\nfilesystem: f\n').credentials,
    { credentialsType: 'None' },
  );
  assert.match(
    refusal(
      'name: l\ntype: azure_data_lake_gen2\naccount_name: a\nfilesystem: f\ncredentials:\n  tenant_id: t\n',
    ),
    /credentials\.client_id.*is required: a service principal needs tenant_id, client_id and client_secret/,
  );
  assert.match(
    refusal('name: l\ntype: azure_data_lake_gen2\naccount_name: a\ncontainer_name: f\n'),
    /unknown field.*allowed fields are .*filesystem/,
  );
});

test('s3 takes an access key, or none', () => {
  const yaml =
    'name: s\ntype: s3\nbucket: my-bucket\nendpoint: http://127.0.0.1:4568\nregion: eu-west-1\n' +
    'credentials:\n  access_key_id: AK\n  secret_access_key: SK\n';
  assert.deepEqual(propertiesOf(yaml), {
    datastoreType: 'S3',
    bucket: 'my-bucket',
    endpoint: 'http://127.0.0.1:4568',
    region: 'eu-west-1',
    credentials: {
      credentialsType: 'AccessKey',
      accessKeyId: 'AK',
      secrets: { secretsType: 'AccessKey', secretAccessKey: 'SK' },
    },
  });
  assert.deepEqual(propertiesOf('name: s\ntype: s3\nbucket: b-b\n'), {
    datastoreType: 'S3',
    bucket: 'b-b',
    credentials: { credentialsType: 'None' },
  });
  assert.match(
    refusal('name: s\ntype: s3\nbucket: b\ncredentials:\n  access_key: AK\n'),
    /field 'credentials\.access_key': unknown field in 'credentials'; allowed fields are access_key_id/,
  );
});

test('an unknown type names the ones there are', () => {
  assert.match(
    refusal('name: x\ntype: azure_file\n'),
    /'azure_file' datastores are not supported; use type: local_folder, azure_blob, azure_data_lake_gen2 or s3/,
  );
});
