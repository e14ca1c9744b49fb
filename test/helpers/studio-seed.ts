/**
 * Something on every studio page: an endpoint with a default deployment and a completed job, a model, a
 * pipeline with a finished run, a local-folder datastore holding a CSV and a Parquet file, and a data
 * asset over it, all made through the REST API as a user would. The browser tests that walk every page
 * and the screenshot script share it, so both see pages with content. The server must allow `root`
 * (`NIGHTSHIFT_DATASTORE_ROOTS`), where the datastore's folder is made.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { factoryPath, waitForRun } from './factory.ts';
import { folderBody, Nightshift, smallFiles } from './jobs.ts';
import type { TestServer } from './server.ts';

export interface StudioSeed {
  endpoint: string;
  deployment: string;
  job: string;
  model: string;
  pipeline: string;
  runId: string;
  datastore: string;
  csv: string;
  parquet: string;
}

function writeDataFiles(folder: string): void {
  mkdirSync(join(folder, 'sales', '2026'), { recursive: true });
  const regions = ['north', 'south', 'east', 'west'];
  const lines = Array.from({ length: 40 }, (_, i) => {
    const region = regions[i % regions.length] ?? 'north';
    return `${String(i + 1)},${region},${String(100 + ((i * 37) % 90))}.50,2026-01-${String((i % 28) + 1).padStart(2, '0')}`;
  });
  writeFileSync(
    join(folder, 'sales', '2026', 'january.csv'),
    `order,region,amount,date\n${lines.join('\n')}\n`,
  );
  writeFileSync(
    join(folder, 'sales', '2026', 'january.parquet'),
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'order', data: Array.from({ length: 40 }, (_, i) => i + 1), type: 'INT32' },
          {
            name: 'region',
            data: Array.from({ length: 40 }, (_, i) => regions[i % 4] ?? ''),
            type: 'STRING',
          },
          { name: 'amount', data: Array.from({ length: 40 }, (_, i) => 100 + i * 1.25), type: 'DOUBLE' },
        ],
      }),
    ),
  );
  writeFileSync(join(folder, 'sales', 'README.txt'), 'Monthly sales extracts.\n');
}

const waitPipeline = {
  properties: {
    description: 'Waits a moment, as a stand-in for a copy.',
    parameters: { seconds: { type: 'int', defaultValue: 0 } },
    activities: [
      {
        name: 'Sleep',
        type: 'Wait',
        typeProperties: {
          waitTimeInSeconds: { value: '@pipeline().parameters.seconds', type: 'Expression' },
        },
      },
    ],
  },
};

export async function seedStudio(server: TestServer, root: string): Promise<StudioSeed> {
  const ns = await Nightshift.connect(server.url);
  const model = await ns.registerModel();
  const { endpoint, deployment, scoringUri } = await ns.deploy({ script: 'strings.ts', model });
  await ns.uploadFiles('inputs/studio', smallFiles(6));
  const job = await ns.run(scoringUri, folderBody('inputs/studio'));

  const F = factoryPath(server.ws);
  await ns.ok('PUT', `${F}/pipelines/nightly-copy`, { json: waitPipeline });
  const created = await ns.ok<{ runId: string }>('POST', `${F}/pipelines/nightly-copy/createRun`, {
    json: { seconds: 0 },
  });
  await waitForRun(server, created.runId);

  const folder = join(root, 'files');
  writeDataFiles(folder);
  await ns.ok('PUT', `${server.ws}/datastores/files`, {
    json: { properties: { datastoreType: 'LocalFolder', path: folder, description: 'Sales extracts' } },
  });
  await ns.ok('PUT', `${server.ws}/data/sales-2026/versions/1`, {
    json: { properties: { dataType: 'uri_folder', dataUri: 'azureml://datastores/files/paths/sales/2026/' } },
  });
  return {
    endpoint,
    deployment,
    job: job.name,
    model: model.replace(/^azureml:/, '').split(':')[0] ?? '',
    pipeline: 'nightly-copy',
    runId: created.runId,
    datastore: 'files',
    csv: 'sales/2026/january.csv',
    parquet: 'sales/2026/january.parquet',
  };
}

/** Every studio page, as a deep link, with the seeded resources in the detail pages' URLs. */
export function studioRoutes(seed: StudioSeed): { name: string; path: string }[] {
  const e = encodeURIComponent;
  return [
    { name: 'overview', path: '/studio/' },
    { name: 'endpoints', path: '/studio/endpoints' },
    { name: 'endpoint', path: `/studio/endpoints/${e(seed.endpoint)}` },
    { name: 'deployment', path: `/studio/endpoints/${e(seed.endpoint)}/deployments/${e(seed.deployment)}` },
    { name: 'jobs', path: '/studio/jobs' },
    { name: 'job', path: `/studio/jobs/${e(seed.job)}` },
    { name: 'models', path: '/studio/models' },
    { name: 'model', path: `/studio/models/${e(seed.model)}` },
    { name: 'pipelines', path: '/studio/pipelines' },
    { name: 'pipeline', path: `/studio/pipelines/${e(seed.pipeline)}` },
    { name: 'pipeline-run', path: `/studio/pipeline-runs/${e(seed.runId)}` },
    { name: 'datastores', path: '/studio/datastores' },
    { name: 'datastore', path: `/studio/datastores/${e(seed.datastore)}/sales/2026/` },
    { name: 'preview', path: `/studio/datastores/${e(seed.datastore)}/${seed.csv}` },
    { name: 'data', path: '/studio/data' },
    { name: 'audit', path: '/studio/audit' },
  ];
}
