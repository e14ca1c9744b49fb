/**
 * Path-valued spec fields (`path`, `code_configuration.code`, `environment.conda_file`, `model.path`)
 * hold either a local path, relative to the YAML file as az resolves it, or a reference to something
 * that lives elsewhere: a registered asset (`azureml:name:1`, `azureml:name@latest`), a datastore or
 * registry URI (`azureml://...`), a web URL, a cloud storage URI, or a full ARM resource id. Only the
 * first kind may be rewritten; the rest must pass through byte for byte.
 */
import { isAbsolute, resolve } from 'node:path';

import type { YamlSpecSource } from './yaml-source.ts';

/** `azureml:` covers both asset references and `azureml://` URIs. */
const AZUREML_REFERENCE = /^azureml:/i;
/** Any `scheme://` URI: http(s), wasbs, abfss, adl, s3, gs, file, ... (never a Windows drive letter). */
const URI_WITH_SCHEME = /^[a-z][a-z0-9+.-]+:\/\//i;
const ARM_ID = /^\/subscriptions\//i;

/** True when `value` names something that is not a path on this machine. */
export function isRemoteReference(value: string): boolean {
  return AZUREML_REFERENCE.test(value) || URI_WITH_SCHEME.test(value) || ARM_ID.test(value);
}

/** Resolves a local path against the spec file's folder; remote references come back unchanged. */
export function resolveLocalPath(source: Pick<YamlSpecSource, 'baseDir'>, value: string): string {
  if (value === '' || isRemoteReference(value)) return value;
  return isAbsolute(value) ? resolve(value) : resolve(source.baseDir, value);
}
