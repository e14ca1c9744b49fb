/**
 * Checks an environment's conda file against the Python interpreter that will run it. Azure builds an
 * image from the conda file; Nightshift installs nothing, so it instead asks the interpreter, when a
 * deployment is created, whether every listed package can be imported, and reports the missing ones by
 * name rather than letting the first mini-batch fail on an ImportError. Only package presence is
 * checked: version pins are not compared, because a slightly different version usually runs and a
 * refusal on `scikit-learn==1.1.2` against 1.2 would block most migrated deployments.
 */
import { execFile } from 'node:child_process';
import { ValidationError } from '../core/errors.ts';
import type { EnvironmentVersion } from '../core/resources.ts';
import { preview } from '../core/limits.ts';
import { parseYamlData } from '../core/spec/yaml-data.ts';
import { prop } from '../core/wire-values.ts';

export const DEFAULT_PYTHON = '/usr/bin/python3';

/** One package the conda file asks for. */
export interface CondaPackage {
  /** As written, without channel, version, extras or markers: `scikit-learn`. */
  name: string;
  /** The top-level module find_spec looks for: `sklearn`. */
  importName: string;
  from: 'conda' | 'pip';
}

const CONDA_FIELD = 'properties.condaFile';
const PYTHON_FIELD = 'properties.pythonExecutable';

/** PEP 503 normalisation: `PyYAML`, `pyyaml`, `py_yaml` compare equal as `pyyaml`. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Packages Nightshift does not check. Azure's batch driver needs azureml-core and
 * azureml-dataset-runtime (docs require them in every batch environment), and Azure's images add
 * inference-schema and applicationinsights for their own serving and telemetry; Nightshift's own
 * driver replaces all of that, so scripts written for Azure list them but never need them here. mlflow
 * is optional: MLflow models are loaded with it when it is importable and by the built-in loader
 * otherwise. `python` and `pip` are the interpreter and installer themselves, and `wheel` is only used
 * to build packages.
 */
function isProvidedByNightshift(name: string): boolean {
  const n = normalise(name);
  return (
    n === 'python' ||
    n === 'pip' ||
    n === 'wheel' ||
    n === 'azureml' ||
    n.startsWith('azureml-') ||
    n.startsWith('mlflow') ||
    n === 'inference-schema' ||
    n === 'applicationinsights'
  );
}

/**
 * conda packages that are libraries, compilers or metapackages, not Python modules: an interpreter
 * cannot import them, and a working interpreter already has what it needs of them.
 */
const CONDA_NON_PYTHON = new Set([
  'blas',
  'ca-certificates',
  'cmake',
  'cpuonly',
  'cuda-toolkit',
  'cuda-version',
  'cudatoolkit',
  'cudnn',
  'ffmpeg',
  'gcc',
  'git',
  'gxx',
  'libblas',
  'libffi',
  'libgcc-ng',
  'libgomp',
  'libprotobuf',
  'libstdcxx-ng',
  'make',
  'mkl',
  'mkl-include',
  'nccl',
  'ncurses',
  'nodejs',
  'openblas',
  'openssl',
  'python-abi',
  'pytorch-cuda',
  'readline',
  'sqlite',
  'tk',
  'tzdata',
  'xz',
  'zlib',
]);

/** Distribution (pip or conda) names whose import name is not the name itself. Keys are normalised. */
const IMPORT_NAMES: Readonly<Record<string, string>> = {
  'absl-py': 'absl',
  attrs: 'attr',
  beautifulsoup4: 'bs4',
  dnspython: 'dns',
  'faiss-cpu': 'faiss',
  'faiss-gpu': 'faiss',
  ipython: 'IPython',
  'matplotlib-base': 'matplotlib',
  'msgpack-python': 'msgpack',
  'mysql-connector-python': 'mysql.connector',
  'numpy-base': 'numpy',
  'onnxruntime-gpu': 'onnxruntime',
  opencv: 'cv2',
  'opencv-contrib-python': 'cv2',
  'opencv-contrib-python-headless': 'cv2',
  'opencv-python': 'cv2',
  'opencv-python-headless': 'cv2',
  pillow: 'PIL',
  protobuf: 'google.protobuf',
  'psycopg2-binary': 'psycopg2',
  'py-cpuinfo': 'cpuinfo',
  'py-opencv': 'cv2',
  'py-xgboost': 'xgboost',
  pycryptodome: 'Crypto',
  pycryptodomex: 'Cryptodome',
  pyjwt: 'jwt',
  pymupdf: 'fitz',
  pyopenssl: 'OpenSSL',
  pyserial: 'serial',
  pytables: 'tables',
  'python-dateutil': 'dateutil',
  'python-docx': 'docx',
  'python-json-logger': 'pythonjsonlogger',
  'python-multipart': 'multipart',
  pytorch: 'torch',
  'pytorch-cpu': 'torch',
  pyyaml: 'yaml',
  pyzmq: 'zmq',
  'scikit-image': 'skimage',
  'scikit-learn': 'sklearn',
  'scikit-learn-intelex': 'sklearnex',
  'tensorflow-cpu': 'tensorflow',
  'tensorflow-gpu': 'tensorflow',
  'tensorflow-intel': 'tensorflow',
  'websocket-client': 'websocket',
};

/** The module a distribution installs: the table above, namespace packages, else lowercase with '_'. */
export function importNameOf(distribution: string): string {
  const key = normalise(distribution);
  const known = IMPORT_NAMES[key];
  if (known) return known;
  // azure-storage-blob installs azure.storage.blob; google-cloud-storage installs google.cloud.storage.
  if (key.startsWith('azure-') || key.startsWith('google-cloud-')) return key.replaceAll('-', '.');
  return distribution.toLowerCase().replaceAll('-', '_');
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*/;

function invalid(message: string): ValidationError {
  return new ValidationError(`The environment's conda file ${message}`, CONDA_FIELD);
}

/** `conda-forge::numpy>=1.21=py39_0` → `numpy`. */
function condaName(spec: string): string {
  const channel = spec.lastIndexOf('::');
  const name = NAME.exec(spec.slice(channel < 0 ? 0 : channel + 2).trim())?.[0];
  if (!name) throw invalid(`lists '${spec}', which is not a conda package specification.`);
  return name;
}

/**
 * `pandas>=1.5`, `pkg[extra]==1 ; python_version<"3.10"`, `name @ https://...`, `-e git+...#egg=name`
 * → the distribution name; undefined for pip options and for URLs and paths that do not say which
 * distribution they are, which cannot be checked before installing them.
 */
function pipName(spec: string): string | undefined {
  let text = spec.split(/\s+#/)[0]?.trim() ?? '';
  if (text === '' || text.startsWith('#')) return undefined;
  const editable = /^(?:-e|--editable)[\s=]+(.*)$/.exec(text);
  if (editable) text = editable[1] ?? '';
  else if (text.startsWith('-')) return undefined;
  const egg = /[#&]egg=([A-Za-z0-9._-]+)/.exec(text);
  if (egg) return egg[1];
  if (/^[a-z+]+:\/\//i.test(text) || /^[./~]/.test(text)) {
    const wheel = /([A-Za-z0-9_.]+)-[^/-]+(?:-[^/]+)*\.whl$/.exec(text);
    return wheel?.[1];
  }
  const name = NAME.exec(text)?.[0];
  if (!name) throw invalid(`lists pip requirement '${spec}', which does not start with a package name.`);
  return name;
}

/**
 * The packages of a conda environment file that the interpreter must provide, in file order, without
 * duplicates and without the ones Nightshift provides or does not need. Throws ValidationError
 * (properties.condaFile) for a file that is not YAML or has no `dependencies` list.
 */
export function parseCondaPackages(condaFileText: string): CondaPackage[] {
  const parsed = parseYamlData(condaFileText);
  if (!parsed.ok) throw invalid(`is not valid YAML: ${parsed.reason}`);
  const doc = parsed.value;
  const deps =
    typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).dependencies : undefined;
  if (!Array.isArray(deps)) {
    throw invalid(
      deps === undefined
        ? `has no 'dependencies' list; write one, e.g. dependencies: [python=3.11, pip, {pip: [pandas]}].`
        : `has a 'dependencies' field that is not a list.`,
    );
  }
  const found = new Map<string, CondaPackage>();
  const add = (name: string | undefined, from: CondaPackage['from']) => {
    if (name === undefined || isProvidedByNightshift(name)) return;
    if (from === 'conda' && CONDA_NON_PYTHON.has(normalise(name))) return;
    const key = importNameOf(name);
    if (!found.has(key)) found.set(key, { name, importName: key, from });
  };
  for (const [index, entry] of (deps as unknown[]).entries()) {
    if (typeof entry === 'string') add(condaName(entry), 'conda');
    else if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      for (const [key, value] of Object.entries(entry)) {
        if (key !== 'pip')
          throw invalid(`has '${key}:' in dependencies[${index}]; only 'pip:' lists can be nested there.`);
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
          throw invalid(`has a 'pip:' entry in dependencies[${index}] that is not a list of requirements.`);
        for (const spec of value as string[]) add(pipName(spec), 'pip');
      }
    } else if (entry !== null) {
      throw invalid(
        `has dependencies[${index}] = ${preview(JSON.stringify(entry))}, which is not a package.`,
      );
    }
  }
  return [...found.values()];
}

/** Runs in the interpreter: which of argv's modules find_spec cannot find. One line of JSON. */
const QUERY = `
import importlib.util, json, sys
missing = []
for name in sys.argv[1:]:
    try:
        spec = importlib.util.find_spec(name)
    except Exception:  # a dotted name whose parent is missing or broken
        spec = None
    if spec is None:
        missing.append(name)
print("NIGHTSHIFT-MODULES " + json.dumps({"missing": missing}))
`;

const QUERY_TIMEOUT_MS = 30_000;

function interpreterError(python: string, problem: string): ValidationError {
  return new ValidationError(
    `Python interpreter '${python}' ${problem}. Set the environment's python_executable to a Python 3 ` +
      `interpreter, or set NIGHTSHIFT_PYTHON to change the server's default interpreter.`,
    PYTHON_FIELD,
  );
}

/** Asks `python` once which of `modules` it cannot import. Also proves the interpreter runs. */
export function findMissingModules(python: string, modules: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // cwd '/': python -c puts the working directory first on sys.path, and the server's own folder
    // must not decide whether a module is found.
    execFile(
      python,
      ['-c', QUERY, ...modules],
      { cwd: '/', timeout: QUERY_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('NIGHTSHIFT-MODULES '));
        if (error || line === undefined) {
          reject(interpreterError(python, describeFailure(error, stderr)));
          return;
        }
        try {
          const answer = JSON.parse(line.slice('NIGHTSHIFT-MODULES '.length)) as { missing?: unknown };
          if (!Array.isArray(answer.missing)) throw new Error('no missing list');
          resolve(answer.missing.map(String));
        } catch {
          reject(interpreterError(python, `gave an unreadable answer (${line})`));
        }
      },
    );
  });
}

function describeFailure(
  error: (Error & { code?: unknown; killed?: boolean }) | null,
  stderr: string,
): string {
  const code = error?.code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES') return 'is not an executable file';
  if (error?.killed) return `did not answer within ${QUERY_TIMEOUT_MS / 1000} s`;
  const last = stderr.trim().split('\n').at(-1)?.trim();
  const why = last || (error ? error.message.split('\n')[0] : 'printed no answer');
  return `could not run a module check (${why}); it must be Python 3`;
}

/** The conda file's packages that `python` cannot import (`missing`), of those it was asked (`checked`). */
export async function checkCondaPackages(
  python: string,
  condaFileText: string,
): Promise<{ missing: string[]; checked: string[] }> {
  const packages = parseCondaPackages(condaFileText);
  const missing = new Set(
    await findMissingModules(
      python,
      packages.map((p) => p.importName),
    ),
  );
  return {
    missing: packages.filter((p) => missing.has(p.importName)).map((p) => p.name),
    checked: packages.map((p) => p.name),
  };
}

/**
 * The interpreter that runs Python deployments of `env`: its python_executable, else the server's
 * default. The one rule for the deployment check and the Python runtime, so both use the same one.
 */
function pythonOf(env: EnvironmentVersion | undefined, defaultPython: string, field: string): string {
  // Read without regard to case, as every request field is (a client may send PythonExecutable).
  const given = prop(env?.extra, 'pythonExecutable');
  if (given === undefined || given === null) return defaultPython;
  if (typeof given === 'string' && given.trim() !== '') return given;
  throw new ValidationError(
    `Environment '${env?.name ?? ''}:${env?.version ?? ''}': python_executable must be the path of a Python interpreter.`,
    field,
  );
}

/**
 * The deployment-time check of an environment that will run Python: its interpreter (python_executable,
 * else the server default) must run and import every package its conda file lists. Every failure is a
 * ValidationError on `field`, naming the environment, the interpreter and the fix.
 */
export async function requireEnvironmentPackages(
  env: EnvironmentVersion,
  defaultPython: string,
  field: string,
): Promise<void> {
  const label = `Environment '${env.name}:${env.version}'`;
  const python = pythonOf(env, defaultPython, field);
  try {
    if (env.condaFile.trim() === '') {
      // Nothing to check but the interpreter itself, and only when the environment chose its own: the
      // default is not checked for every deployment, as an environment without a conda file needs nothing.
      if (python !== defaultPython) await findMissingModules(python, []);
      return;
    }
    const { missing } = await checkCondaPackages(python, env.condaFile);
    if (missing.length === 0) return;
    const them = missing.length === 1 ? 'it' : 'them';
    const names = missing.map((name) => {
      // The module is shown only where it is not simply the name with '_' for '-'.
      const module = importNameOf(name);
      return module === name.toLowerCase().replaceAll('-', '_') ? name : `${name} (module ${module})`;
    });
    throw new ValidationError(
      `${label}: its conda file lists ${missing.length === 1 ? 'a package' : 'packages'} that the Python ` +
        `interpreter ${python} cannot import: ${names.join(', ')}. Nightshift does not install packages: ` +
        `install ${them} for that interpreter (for example Debian's python3-* packages), or create a ` +
        `virtual environment with ${them} and set the environment's python_executable to its bin/python.`,
      field,
    );
  } catch (error) {
    if (error instanceof ValidationError && error.field !== field) {
      throw new ValidationError(`${label}: ${error.message}`, field);
    }
    throw error;
  }
}
