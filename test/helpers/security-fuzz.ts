/**
 * Generated hostile input for the fuzz test: a seeded PRNG (so a failing case is reproduced by its seed
 * and index), hostile JSON fragments (deep nesting, huge strings, wrong types, prototype-pollution keys,
 * NUL and control characters, lone surrogates, out-of-range numbers, path and expression lookalikes),
 * bodies built by planting one fragment in a valid template or replacing the whole body, invalid UTF-8,
 * odd content types, and hostile query values and path segments. Fragments are JSON text, not values,
 * because a value nested 20,000 deep cannot be built or serialized without recursion.
 */

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;

export function pick<T>(rand: Rand, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

const DEPTHS = [65, 200, 3000, 20_000];
const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');

/** Hostile JSON fragments, by kind; each returns JSON text. */
const FRAGMENTS: Record<string, (rand: Rand) => string> = {
  deepObject: (r) => {
    const d = pick(r, DEPTHS);
    return `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
  },
  deepArray: (r) => {
    const d = pick(r, DEPTHS);
    return `${'['.repeat(d)}"x"${']'.repeat(d)}`;
  },
  hugeString: (r) => JSON.stringify('s'.repeat(pick(r, [5_000, 70 * 1024, 300 * 1024, 2 * 1024 * 1024]))),
  hugeArray: (r) =>
    `[${Array(pick(r, [10_001, 50_000]))
      .fill('0')
      .join(',')}]`,
  wideObject: () => `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":1`).join(',')}}`,
  wrongType: (r) =>
    pick(r, ['0', '-1', '1.5', 'true', 'false', 'null', '[]', '{}', '""', '"   "', '[null]', '[{}]']),
  protoKey: (r) =>
    pick(r, [
      '{"__proto__":{"polluted":true,"isAdmin":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"__proto__":null}',
      '{"prototype":{"polluted":true}}',
      '{"__proto__":[1,2,3],"toString":"x","hasOwnProperty":"x","valueOf":1}',
    ]),
  control: (r) =>
    JSON.stringify(
      pick(r, [
        CONTROL,
        'a\u0000b',
        '\u0000',
        'x\u2028y\u2029z',
        '\u202egnp.exe',
        '\ufeffbom',
        '\u0085\u00a0',
      ]),
    ),
  surrogate: (r) => pick(r, ['"\\ud800"', '"\\udfff\\ud800"', '"a\\ud83d"', '{"\\ud800":1}']),
  number: (r) =>
    pick(r, [
      '1e400',
      '-1e400',
      '1e-400',
      '9007199254740993',
      '-0',
      '1.7976931348623157e309',
      '123456789012345678901234567890',
      '0.0000000000000000000001',
      '-2147483649',
      '4294967296',
    ]),
  pathLike: (r) =>
    JSON.stringify(
      pick(r, [
        '../../../../etc/passwd',
        '/etc/passwd',
        '/proc/self/environ',
        '..%2f..%2fetc%2fpasswd',
        'C:\\Windows\\win.ini',
        'azureml://datastores/workspaceblobstore/paths/../../credentials.json',
        'azureml://datastores/../paths/x',
        'file:///etc/passwd',
        `${'a/'.repeat(3000)}x`,
        'n'.repeat(5000),
        '%00',
        '.',
        '..',
      ]),
    ),
  expressionLike: (r) =>
    JSON.stringify(
      pick(r, [
        '@',
        '@{',
        `@${'concat('.repeat(3000)}'a'${')'.repeat(3000)}`,
        `@{${'('.repeat(5000)}`,
        '@pipeline().parameters.__proto__',
        '@json(\'{"__proto__":{"x":1}}\')',
        "@variables('constructor')",
        `@${'activity('.repeat(500)}`,
        "@xpath(xml('<a/>'),'/a')",
      ]),
    ),
  yamlLike: (r) =>
    JSON.stringify(
      pick(r, ['a: &a [*a]', 'dependencies: &d [*d]', '!!python/object/apply:os.system ["id"]', '<<: *x']),
    ),
};

const FRAGMENT_KINDS = Object.keys(FRAGMENTS);

export function hostileFragment(rand: Rand): { kind: string; text: string } {
  const kind = pick(rand, FRAGMENT_KINDS);
  const make = FRAGMENTS[kind];
  if (!make) throw new Error(kind);
  return { kind, text: make(rand) };
}

const HOLE = '\u0000hole\u0000';

/** Every path (list of keys) to a value inside `value`, the root included. */
function pathsIn(value: unknown, at: string[] = []): string[][] {
  const out = [at];
  if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) out.push(...pathsIn(v, [...at, k]));
  return out;
}

function withHole(value: unknown, path: string[], addKey: string | undefined): unknown {
  if (path.length === 0) {
    if (addKey !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value))
      return { ...value, [addKey]: HOLE };
    return HOLE;
  }
  const [head = '', ...rest] = path;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...(value as unknown[])] as never)
    : { ...(value as object) };
  copy[head] = withHole(copy[head], rest, addKey);
  return copy;
}

/** `template` with one value (or a new key, named as a hostile key would be) replaced by `fragment`. */
export function plant(rand: Rand, template: unknown, fragment: string): string {
  const path = pick(rand, pathsIn(template));
  const addKey =
    rand() < 0.3
      ? pick(rand, ['__proto__', 'constructor', 'x\u0000y', '', 'k'.repeat(5000), 'extra'])
      : undefined;
  return JSON.stringify(withHole(template, path, addKey)).replace(JSON.stringify(HOLE), fragment);
}

/** Bytes that are not UTF-8 (a lone continuation byte, a truncated sequence, an overlong NUL, 0xff). */
export function invalidUtf8(rand: Rand, template: unknown): Buffer {
  const text = JSON.stringify(withHole(template, pick(rand, pathsIn(template)), undefined));
  const [before = '', after = ''] = text.split(JSON.stringify(HOLE));
  const bad = pick(rand, [[0x80], [0xe2, 0x82], [0xc0, 0x80], [0xff, 0xfe], [0xed, 0xa0, 0x80]]);
  return Buffer.concat([Buffer.from(`${before}"`), Buffer.from(bad), Buffer.from(`"${after}`)]);
}

/** Malformed JSON text around a template. */
export function brokenJson(rand: Rand, template: unknown): string {
  const text = JSON.stringify(template);
  return pick(rand, [
    text.slice(0, Math.max(1, Math.floor(text.length / 2))),
    `${text}garbage`,
    `\ufeff${text}`,
    text.replace('{', '{"dup":1,"dup":2,'),
    text.replace(/"/g, "'"),
    `${text}${text}`,
    '',
    ' ',
    '{"a":1,}',
    '[',
  ]);
}

export const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zz',
  'application/json, text/html',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/octet-stream',
  `application/${'x'.repeat(2000)}`,
];

/** Hostile query values (already URL-encoded where they need it). */
export function hostileQueryValue(rand: Rand): string {
  return pick(rand, [
    encodeURIComponent('x'.repeat(6000)),
    '%00',
    '%ff%fe',
    '%',
    '-1',
    '0',
    '2.5',
    '-0.5',
    '1e400',
    'NaN',
    '99999999999999999999',
    encodeURIComponent('../../etc/passwd'),
    encodeURIComponent("' OR 1=1 --"),
    encodeURIComponent('<script>alert(1)</script>'),
    encodeURIComponent(CONTROL),
    encodeURIComponent('2026-13-45T99:99:99Z'),
    '',
    encodeURIComponent('\ud83d\ude00'),
  ]);
}

/** Hostile path segments (as sent on the wire). */
export function hostileSegment(rand: Rand): string {
  return pick(rand, [
    'n'.repeat(5000),
    '%00',
    'a%00b',
    '%2e%2e',
    '..',
    '%ff',
    '%',
    '%%',
    encodeURIComponent('\u202e\ud83d\ude00'),
    encodeURIComponent('a b'),
    '%20',
    encodeURIComponent('__proto__'),
    'constructor',
    encodeURIComponent(CONTROL),
  ]);
}

/**
 * Values every declared query parameter is sent, each alone: fractions, signs, overflow, non-numbers,
 * encodings and sizes that a numeric parameter bound straight into SQL (`LIMIT 2.5`) turned into a 500.
 */
export const HOSTILE_QUERY_VALUES: readonly string[] = [
  '2.5',
  '-1',
  '0',
  '-0',
  '1e400',
  'NaN',
  'Infinity',
  '0x10',
  '%201',
  '99999999999999999999',
  '9007199254740993',
  '',
  'abc',
  '%00',
  '%',
  encodeURIComponent('x'.repeat(6000)),
  '1&$top=2.5',
];

/** A route's declared query parameters, from the OpenAPI document, with their schema type. */
export interface DeclaredQuery {
  method: string;
  /** The route in fastify form (`:param`, `*`). */
  url: string;
  params: { name: string; type: string | undefined }[];
}

export async function declaredQueryParams(base: string): Promise<DeclaredQuery[]> {
  type Parameter = { in?: string; name?: string; schema?: { type?: string } };
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).flatMap(([method, operation]) => {
      const params = (operation.parameters ?? [])
        .filter((p) => p.in === 'query' && typeof p.name === 'string')
        .map((p) => ({ name: p.name ?? '', type: p.schema?.type }));
      if (params.length === 0) return [];
      const url = path.replace(/\{\*\}/g, '*').replace(/\{([^}]+)\}/g, ':$1');
      return [{ method: method.toUpperCase(), url, params }];
    }),
  );
}
