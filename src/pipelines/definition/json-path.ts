/**
 * Paths into a JSON document as people write them in messages: `typeProperties.headers['Content-Type']`,
 * `activities[2].dependsOn[0].activity`. Used so every problem points at the exact property to fix.
 */

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${parent}['${key.replaceAll("'", "\\'")}']`;
  return parent === '' ? key : `${parent}.${key}`;
}
