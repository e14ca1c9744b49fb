/**
 * A job reads its input and writes its output with the invoker's identity, as in Azure: invoking is not
 * enough, the caller must also hold the datastore path data actions on every datastore the job touches
 * (`paths/read` for the input, `paths/write` for the output, the default output datastore included).
 * Without this, the Batch Endpoint Invoker (no data actions) could read any datastore through a job's
 * outputs, which are its own, and write into any datastore. The check runs in the invoke handler, before
 * the job service sees the body; a data asset input is resolved to its datastore first. A refusal is a 403
 * naming the datastore and the storage role to grant, and the audit entry records the data action and the
 * datastore's scope (request.access is set before the check). Storage URLs (https://ACCOUNT.blob...,
 * wasbs://, abfss://, s3://) are checked as the datastore they resolve to.
 */
import type { FastifyRequest } from 'fastify';
import { DATA_ACTIONS } from '../auth/rbac/actions.ts';
import { authorize } from '../auth/rbac/authorize.ts';
import { AuthorizationError } from '../auth/rbac/errors.ts';
import { STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER } from '../auth/rbac/roles.ts';
import { parseAssetRef, parseDatastoreUri } from '../core/references.ts';
import { readJobRequest } from '../engine/invocation.ts';
import { DEFAULT_DATASTORE } from '../workspace/datastores.ts';
import { datastoreScope } from './access-decision.ts';
import type { ApiServices } from './context.ts';

interface DataNeed {
  datastore: string;
  action: string;
  role: string;
  /** Where in the request the datastore was named, for the message. */
  use: 'input' | 'output';
}

/**
 * The datastore a job input names: directly, by a storage URL of a registered datastore, or through a
 * registered data asset. A public http(s) file names none: it needs no data role.
 */
async function inputDatastore(s: ApiServices, uri: string, field: string): Promise<string | undefined> {
  const direct = parseDatastoreUri((await s.datastores.toDatastoreUri(uri, field)) ?? uri, field);
  if (direct) return direct.datastore;
  const ref = parseAssetRef(uri);
  if (!ref || (ref.kind !== undefined && ref.kind !== 'data')) return undefined;
  // An asset that does not exist is the job service's 400 to give; it grants nothing to check here.
  const asset = await s.assets.get('data', ref.name, ref.version).catch(() => undefined);
  return asset ? parseDatastoreUri(asset.dataUri, field)?.datastore : undefined;
}

async function dataNeeds(s: ApiServices, body: unknown): Promise<DataNeed[]> {
  // The job service reads the body the same way; a malformed body is its 400 (thrown here first).
  const request = readJobRequest(body);
  const needs: DataNeed[] = [];
  const field = `InputData.${request.input.key}.Uri`;
  const input = await inputDatastore(s, request.input.uri, field);
  if (input !== undefined) {
    needs.push({
      datastore: input,
      action: DATA_ACTIONS.datastorePathRead,
      role: STORAGE_BLOB_DATA_READER.name,
      use: 'input',
    });
  }
  // The field names the job service gives the same refusals, so a bad path reads the same either way.
  const outputField = request.output?.kind === 'folder' ? 'outputDataset.path' : 'OutputData.score.Uri';
  const output = request.output ? parseDatastoreUri(request.output.uri, outputField) : undefined;
  needs.push({
    datastore: output?.datastore ?? DEFAULT_DATASTORE,
    action: DATA_ACTIONS.datastorePathWrite,
    role: STORAGE_BLOB_DATA_CONTRIBUTOR.name,
    use: 'output',
  });
  return needs;
}

/** Throws AuthorizationError (403) unless the caller may read the job's input and write its output. */
export async function checkJobDataAccess(
  s: ApiServices,
  request: FastifyRequest,
  // A rerun's body is the one the server builds from the parent job, not the request's.
  body: unknown = request.body,
): Promise<void> {
  const ac = s.auth.access;
  const principal = request.principal;
  if (ac.mode === 'none' || !principal) return;
  const needs = await dataNeeds(s, body);
  const assignments = await ac.assignments.forPrincipal(principal.objectId);
  const ref = { principalId: principal.objectId, clientId: principal.clientId };
  const invoked = request.access;
  for (const need of needs) {
    const scope = datastoreScope(ac.workspaceArmId, need.datastore);
    request.access = { permission: { action: need.action, kind: 'dataAction', scope }, ownJobsOnly: false };
    try {
      authorize(assignments, ref, need.action, scope, 'dataAction');
    } catch (error) {
      if (!(error instanceof AuthorizationError)) throw error;
      throw new AuthorizationError(
        ref,
        need.action,
        scope,
        `The job ${need.use === 'input' ? 'reads its input from' : 'writes its output to'} datastore ` +
          `'${need.datastore}' with the caller's identity: assign the caller '${need.role}' on '${scope}' ` +
          `(or on the workspace).`,
      );
    }
  }
  request.access = invoked;
}
