// The scoring-runtime contract suite's script (see ../scoring-runtime.test.ts), twin of contract_script.py:
// it reports what the runtime lets it see and does what the suite's environment variables ask.
import { basename } from 'node:path';

function say(line: string): void {
  process.stdout.write(`contract: ${line}\n`);
}

function loadModel(): void {
  if (process.env.CONTRACT_INIT_FAILS === '1') throw new Error('contract: the model cannot be loaded');
}

function scoreFile(file: string): string {
  const name = basename(file);
  if (name.startsWith('raise')) throw new Error(`contract: cannot score ${name}`);
  return name;
}

export function init(): void {
  say(`init pid=${process.pid}`);
  const seen = {
    modelDir: process.env.AZUREML_MODEL_DIR,
    outputDir: process.env.AZUREML_BI_OUTPUT_PATH,
    variable: process.env.CONTRACT_VARIABLE,
    cwd: process.cwd(),
    argv: process.argv.slice(-2).join(' '),
  };
  say(`env ${JSON.stringify(seen)}`);
  loadModel();
}

export function run(miniBatch: string[]): string[] {
  say(`run ${miniBatch.length}`);
  const rows = miniBatch.map(scoreFile);
  if (process.env.CONTRACT_ROWS === 'fewer') return rows.slice(0, -1);
  if (process.env.CONTRACT_ROWS === 'more') return [...rows, 'extra'];
  return rows;
}
