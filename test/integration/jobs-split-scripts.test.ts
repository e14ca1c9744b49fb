/**
 * Big tabular files split into row ranges for scoring scripts, through the real server: a JS script
 * (and, when Debian's pandas is present, a Python one using pandas.read_csv) reads the files its
 * run(mini_batch) is handed and returns one line per data row, naming the file. A CSV whose text column
 * holds quoted newlines, commas and doubled quotes, and a JSONL file, are scored whole, by "1000 rows"
 * and by "64KB": the outputs are identical (same lines, same order), because each range reaches the
 * script as a file of its own, named as the original, the CSV's header first; the same from an Azure
 * Blob container (Azurite), where only each range and the file's head are fetched. A split that would cut a
 * Parquet file is refused at invoke for a script, naming the file and the fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { blobDatastoreYaml, DEV_ACCOUNT, DEV_KEY, startAzurite } from '../helpers/azurite.ts';
import { runCli, writeFileIn } from '../helpers/cli.ts';
import { needs, PYTHON_LIBRARIES } from '../helpers/components.ts';
import { datastoreUri, FIXTURES_DIR, folderBody, Nightshift, type JobView } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const ROWS = 12_000;

/** Rows whose note is awkward text (quoted newlines, commas, doubled quotes), with blank lines between. */
function bigCsv(): string {
  const lines = ['id,note,value'];
  for (let i = 0; i < ROWS; i++) {
    const notes = [`"line ${i}\nnext, ""quoted"" end"`, `plain ${i}`, `"a,b ${i}"`, '""'];
    lines.push(`${i},${notes[i % notes.length] ?? ''},${(i * 0.37).toFixed(3)}`);
    if (i % 499 === 0) lines.push('');
  }
  return lines.join('\n') + '\n';
}

function bigJsonl(): string {
  return (
    Array.from({ length: ROWS }, (_, i) => JSON.stringify({ id: i, text: `row ${i} of the file` })).join(
      '\n',
    ) + '\n'
  );
}

/** A JS script with its own RFC 4180 reader: one `name,["field",...]` line per data row. */
const JS_SCRIPT = {
  file: 'rows.mjs',
  source: `import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

function records(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

export async function run(miniBatch) {
  const out = [];
  for (const file of miniBatch) {
    const text = await readFile(file, 'utf8');
    const name = basename(file);
    if (name.endsWith('.jsonl')) {
      for (const line of text.split('\\n')) if (line.trim() !== '') out.push(name + ',' + line);
    } else {
      for (const fields of records(text).slice(1)) out.push(name + ',' + JSON.stringify(fields));
    }
  }
  return out;
}
`,
};

const PY_SCRIPT = {
  file: 'rows.py',
  source: `import json
import os

import pandas as pd


def init():
    pass


def run(mini_batch):
    out = []
    for file in mini_batch:
        name = os.path.basename(file)
        if name.endswith(".jsonl"):
            frame = pd.read_json(file, lines=True, dtype=False)
            for record in frame.to_dict(orient="records"):
                out.append(name + "," + json.dumps(record, separators=(",", ":")))
        else:
            frame = pd.read_csv(file, dtype=str, keep_default_na=False)
            for values in frame.itertuples(index=False):
                out.append(name + "," + json.dumps(list(values), separators=(",", ":")))
    return out
`,
};

let server: TestServer;
let ns: Nightshift;
const folder = 'inputs/split-scripts';

before(async () => {
  server = await startServer();
  ns = await Nightshift.connect(server.url);
  await ns.uploadFiles(folder, { 'big.csv': bigCsv(), 'rows.jsonl': bigJsonl() });
});

after(async () => {
  await server.stop();
});

/** The job's output, and how many items (files or ranges) it scored. */
async function scored(
  script: { file: string; source: string },
  miniBatchSize: number | string,
  body: unknown = folderBody(folder),
): Promise<{ text: string; items: number }> {
  const { scoringUri } = await ns.deploy({
    script,
    settings: { miniBatchSize, maxConcurrencyPerInstance: 2 },
  });
  const job: JobView = await ns.run(scoringUri, body, {}, 120_000);
  assert.equal(
    job.properties.status,
    'Completed',
    job.properties.result ?? JSON.stringify(job.properties.error),
  );
  const text = (await ns.readFile(job.properties.outputData.score.uri)) ?? '';
  return { text, items: job.properties.progress.items.total };
}

async function sameAsWhole(script: { file: string; source: string }): Promise<void> {
  const whole = await scored(script, 1);
  assert.equal(whole.items, 2);
  const lines = whole.text.trimEnd().split('\n');
  assert.equal(lines.length, 2 * ROWS);
  assert.match(lines[0] ?? '', /^big\.csv,\["0","line 0\\nnext, \\"quoted\\" end","0\.000"\]$/);
  assert.equal(lines[ROWS]?.startsWith('rows.jsonl,'), true);
  const byRows = await scored(script, '1000 rows');
  assert.equal(byRows.items, 24, 'twelve ranges of 1000 rows per file');
  assert.equal(byRows.text, whole.text, 'mini_batch_size "1000 rows"');
  const bySize = await scored(script, '64KB');
  assert.ok(bySize.items > 6, `${bySize.items} ranges of 64KB`);
  assert.equal(bySize.text, whole.text, 'mini_batch_size "64KB"');
}

const pandas = await needs(PYTHON_LIBRARIES);

describe('a split for scoring scripts', () => {
  it('a JS script gets each range as a file of its own: the output equals scoring whole', async () => {
    assert.ok(bigCsv().length > 3 * 64 * 1024, 'the CSV spans several 64KB ranges');
    await sameAsWhole(JS_SCRIPT);
  });

  it('a Python script reading with pandas.read_csv: the same', pandas, async () => {
    await sameAsWhole(PY_SCRIPT);
  });

  it('from an Azure Blob container (ranged reads of the file): the same lines', async () => {
    const azurite = await startAzurite();
    const scratch = mkdtempSync(join(tmpdir(), 'nightshift-split-scripts-'));
    try {
      const container = containerClientOf({
        accountName: DEV_ACCOUNT,
        containerName: 'split-scripts',
        endpoint: azurite.accountUrl,
        credential: { accountKey: DEV_KEY },
      });
      await container.create();
      const csv = Buffer.from(bigCsv());
      await container.getBlockBlobClient('big/big.csv').upload(csv, csv.length);
      const yaml = writeFileIn(
        scratch,
        'store.yml',
        blobDatastoreYaml('splitscripts', 'split-scripts', azurite.accountUrl),
      );
      const created = await runCli(['datastore', 'create', '-f', yaml], { server: server.url });
      assert.equal(created.code, 0, created.stderr);
      const body = {
        properties: {
          InputData: { data: { JobInputType: 'UriFolder', Uri: datastoreUri('big', 'splitscripts') } },
        },
      };
      const whole = await scored(JS_SCRIPT, 1, body);
      assert.equal(whole.text.trimEnd().split('\n').length, ROWS);
      const ranges = await scored(JS_SCRIPT, '64KB', body);
      assert.ok(ranges.items > 3, `${ranges.items} ranges`);
      assert.equal(ranges.text, whole.text);
    } finally {
      await azurite.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a split that would cut a Parquet file is refused for a script, naming the file and the fix', async () => {
    const parquet = readFileSync(
      join(FIXTURES_DIR, 'data', 'breast-cancer-parquet', 'breast-cancer.parquet'),
    );
    await ns.upload('inputs/split-scripts-parquet/bc.parquet', parquet);
    const { scoringUri } = await ns.deploy({ script: JS_SCRIPT, settings: { miniBatchSize: '150 rows' } });
    const reply = await ns.invoke(scoringUri, folderBody('inputs/split-scripts-parquet'));
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /splits the Parquet file .*bc\.parquet.*number of files/);
  });
});
