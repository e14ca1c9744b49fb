/**
 * Invocations that must be refused before any work starts, against a real server over REST: each gets
 * a 4xx in the ARM error envelope (Azure's own message where it is known) and leaves no job behind.
 * Covered: a UriFolder output, two inputs, a Literal input, no default deployment and no header, an
 * unknown deployment header, an output file that already exists (OutputData and legacy
 * outputDataset), a missing input path, an empty folder, an unknown data asset, an http(s) URL, and
 * over-long outputFileName and scoringScript values (400s naming the field and the limit, never 500s).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { datastoreUri, folderBody, Nightshift, smallFiles, type ErrorBody } from '../helpers/jobs.ts';

describe('invocations refused before any work starts', () => {
  let server: TestServer;
  let ns: Nightshift;
  let scoringUri: string;
  let noDefaultUri: string;
  const input = 'inputs/reject';

  /** Invokes, expects `status` and a message matching `message`, and checks that no job was created. */
  async function refused(
    uri: string,
    body: unknown,
    status: number,
    message: RegExp,
    headers: Record<string, string> = {},
  ): Promise<ErrorBody> {
    const before = await ns.jobCount();
    const reply = await ns.invoke(uri, body, headers);
    const error = reply.body as unknown as ErrorBody;
    assert.equal(reply.status, status, reply.text);
    assert.equal(typeof error.error.code, 'string', reply.text);
    assert.match(error.error.message, message);
    assert.equal(await ns.jobCount(), before, 'no job was created');
    return error;
  }

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    ({ scoringUri } = await ns.deploy({ script: 'strings.ts' }));
    ({ scoringUri: noDefaultUri } = await ns.deploy({ script: 'strings.ts', setDefault: false }));
    await ns.uploadFiles(input, smallFiles(2));
  });

  after(async () => {
    await server.stop();
  });

  test('an output of type UriFolder', async () => {
    const error = await refused(
      scoringUri,
      folderBody(input, {
        OutputData: { score: { JobOutputType: 'UriFolder', Uri: datastoreUri('outputs/folder-out') } },
      }),
      400,
      /Job output type must be 'uri_file'\./,
    );
    assert.ok(
      error.error.details.some((d) => d.target === 'OutputData.Values[0].JobOutputType'),
      JSON.stringify(error),
    );
    await refused(
      scoringUri,
      folderBody(input, { outputData: { score: { jobOutputType: 'uri_folder', uri: datastoreUri('o/x') } } }),
      400,
      /Job output type must be 'uri_file'\./,
    );
  });

  test('two inputs', async () => {
    await refused(
      scoringUri,
      {
        properties: {
          InputData: {
            a: { JobInputType: 'UriFolder', Uri: datastoreUri(input) },
            b: { JobInputType: 'UriFolder', Uri: datastoreUri(input) },
          },
        },
      },
      400,
      /exactly one input/,
    );
  });

  test('a Literal input', async () => {
    await refused(
      scoringUri,
      { properties: { InputData: { score_mode: { JobInputType: 'Literal', Value: 'append' } } } },
      400,
      /The specified job input type 'LiteralJobInput' is not supported\. The supported types are: UriFileJobInput, UriFolderJobInput\./,
    );
  });

  test('no default deployment and no header', async () => {
    await refused(noDefaultUri, folderBody(input), 404, /^No valid deployments to route to\./);
  });

  test('a deployment header naming no deployment of the endpoint', async () => {
    await refused(scoringUri, folderBody(input), 404, /nosuchdeployment/, {
      'azureml-model-deployment': 'nosuchdeployment',
    });
  });

  test('an output file that already exists', async () => {
    const existing = await ns.upload('outputs/existing/predictions.csv', 'old results\n');
    await refused(
      scoringUri,
      folderBody(input, { OutputData: { score: { JobOutputType: 'UriFile', Uri: existing } } }),
      409,
      /already exists/,
    );
    await refused(
      scoringUri,
      {
        properties: {
          dataset: { dataInputType: 'DataUrl', Path: datastoreUri(input) },
          outputDataset: { datastoreId: `${ns.ws}/datastores/workspaceblobstore`, path: 'outputs/existing' },
        },
      },
      409,
      /already exists/,
    );
    assert.equal(await ns.readFile(existing), 'old results\n', 'the existing file is untouched');
  });

  test('an input path that does not exist', async () => {
    await refused(scoringUri, folderBody('inputs/nowhere'), 400, /does not exist/);
  });

  test('an empty input folder', async () => {
    mkdirSync(join(server.dataDir, 'datastores', 'workspaceblobstore', 'inputs', 'empty'), {
      recursive: true,
    });
    await refused(scoringUri, folderBody('inputs/empty'), 400, /no files/);
    // Only top-level files count: a folder holding just a sub-folder is empty too.
    await ns.upload('inputs/nested-only/sub/a.txt', 'a\n');
    await refused(scoringUri, folderBody('inputs/nested-only'), 400, /no files/);
  });

  test('an unknown data asset', async () => {
    await refused(
      scoringUri,
      { properties: { InputData: { x: { JobInputType: 'UriFolder', Uri: 'azureml:no-such-data:1' } } } },
      400,
      /no-such-data/,
    );
  });

  test('a storage URL no datastore covers: 400 naming the input and the datastore to register', async () => {
    const error = await refused(
      scoringUri,
      {
        properties: {
          InputData: {
            x: {
              JobInputType: 'UriFolder',
              Uri: 'https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data',
            },
          },
        },
      },
      400,
      /is in no registered datastore.*account_name azuremlexampledata, container_name data/,
    );
    assert.ok(error.error.message.includes('InputData.x.Uri'), error.error.message);
  });

  test('wasbs, abfss and s3 URLs of no datastore, another scheme, a public URL naming no file: 400 naming the input', async () => {
    const remote = [
      'wasbs://data@account.blob.core.windows.net/heart/',
      'abfss://data@account.dfs.core.windows.net/heart/',
      's3://bucket/heart/',
    ];
    for (const uri of remote) {
      const error = await refused(
        scoringUri,
        { properties: { InputData: { heart: { JobInputType: 'UriFolder', Uri: uri } } } },
        400,
        /is in no registered datastore.*nightshift datastore create/,
      );
      assert.ok(error.error.message.includes(uri.replace(/\/$/, '')), error.error.message);
      assert.ok(error.error.message.includes('InputData.heart.Uri'), error.error.message);
    }
    const ftp = await refused(
      scoringUri,
      { properties: { InputData: { heart: { JobInputType: 'UriFolder', Uri: 'ftp://host/heart/' } } } },
      400,
      /'ftp:\/\/' inputs are not supported/,
    );
    assert.equal(ftp.error.code, 'NotSupported');
    assert.match(ftp.error.message, /azureml:\/\/datastores\/<datastore>\/paths\/<path>/);
    assert.match(ftp.error.message, /azureml:<name>:<version>/);
    const legacy = await refused(
      scoringUri,
      { properties: { dataset: { dataInputType: 'DataUrl', path: 'https://example.com/data/' } } },
      400,
      /does not name a file/,
    );
    assert.ok(legacy.error.message.includes('dataset.Uri'), legacy.error.message);
  });

  test('an over-long outputFileName, per job or in the output URI: 400 naming the field and limit', async () => {
    const long = 'x'.repeat(5000);
    const error = await refused(
      scoringUri,
      folderBody(input, { outputFileName: long }),
      400,
      /'outputFileName' is too long: a file name may have at most 255 bytes/,
    );
    assert.ok(error.error.message.length < 300, 'the value is not echoed back');
    await refused(
      scoringUri,
      folderBody(input, {
        OutputData: {
          score: { JobOutputType: 'UriFile', Uri: datastoreUri(`outputs/${'y'.repeat(300)}.csv`) },
        },
      }),
      400,
      // The datastore path check names the over-long segment before the file name check is reached.
      /in 'OutputData\.score\.Uri': the name .* is longer than 255 bytes/,
    );
  });

  test('over-long outputFileName and scoringScript in a deployment: 400 naming the field and limit', async () => {
    const [codeId] = await ns.registerScript('strings.ts');
    const model = await ns.registerModel();
    const { endpoint } = await ns.deploy({ script: 'strings.ts', setDefault: false });
    const put = (properties: Record<string, unknown>) =>
      server.call('PUT', `${server.ws}/batchEndpoints/${endpoint}/deployments/long`, {
        properties: {
          model: { referenceType: 'Id', assetId: model },
          compute: 'azureml:local',
          ...properties,
        },
      });
    const script = await put({ codeConfiguration: { codeId, scoringScript: `${'s'.repeat(5000)}.js` } });
    assert.equal(script.status, 400, JSON.stringify(script.body));
    assert.match(
      JSON.stringify(script.body),
      /'properties\.codeConfiguration\.scoringScript' is too long: a scoring script path may have at most 1024 characters/,
    );
    const name = await put({
      codeConfiguration: { codeId, scoringScript: 'strings.ts' },
      outputFileName: 'o'.repeat(5000),
    });
    assert.equal(name.status, 400, JSON.stringify(name.body));
    assert.match(JSON.stringify(name.body), /'properties\.outputFileName' is too long/);
  });
});
