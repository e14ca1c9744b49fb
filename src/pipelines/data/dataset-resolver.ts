/**
 * Turns an activity's dataset reference (`{referenceName, parameters}`, already evaluated in the
 * activity's scope) into what Copy and Get Metadata work on: the dataset's settings with `@dataset().x`
 * evaluated over the reference's parameter values and the dataset's defaults, and the store its linked
 * service reaches. Dataset expressions see only the dataset's parameters, as in Data Factory.
 */
import { ValidationError } from '../../core/errors.ts';
import { isObject, type Json } from '../../core/wire-values.ts';
import type { ExpressionContext, ExpressionEngine } from '../expressions/contract.ts';
import { ActivityFailure } from '../runner/activity-failure.ts';
import type { DatastoreBackend } from '../../storage/contract.ts';
import type { HttpSourceOptions } from '../../storage/http/http-file.ts';
import type { DatasetType } from './datasets.ts';
import type { FactoryDataService } from './factory-data-service.ts';
import { openStore, type OpenedStore } from './stores.ts';

export interface ResolvedDataset {
  name: string;
  type: DatasetType;
  /** typeProperties, evaluated. */
  settings: Json;
  /** The location's folder and file, '' when not given. */
  folderPath: string;
  fileName: string;
  store: OpenedStore;
}

export interface DatasetResolverDeps {
  data: FactoryDataService;
  expressions: ExpressionEngine;
  ownHosts: () => readonly string[];
  workspaceDatastore: (name: string) => Promise<DatastoreBackend>;
  urls: HttpSourceOptions;
}

function datasetContext(parameters: Json, base: { pipelineName: string; runId: string }): ExpressionContext {
  const pipeline = {
    DataFactory: '',
    Pipeline: base.pipelineName,
    RunId: base.runId,
    TriggerType: 'Manual',
    TriggerId: '',
    TriggerName: '',
    TriggerTime: '',
    GroupId: base.runId,
    TriggeredByPipelineName: null,
    TriggeredByPipelineRunId: null,
    parameters: {},
    globalParameters: {},
    dataset: parameters,
  };
  return {
    pipeline,
    variable: () => undefined,
    activity: () => undefined,
    item: undefined,
    now: () => new Date(),
    newGuid: () => crypto.randomUUID(),
  };
}

function text(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.replace(/^\/+|\/+$/g, '');
  if (typeof value === 'number') return String(value);
  throw new ValidationError(
    `'typeProperties.location.${field}' must be text.`,
    `typeProperties.location.${field}`,
  );
}

/** The parameter values a reference gives, over the dataset's declared defaults; unknown names refused. */
function parameterValues(name: string, declared: Json | undefined, given: unknown): Json {
  const values: Json = {};
  for (const [key, spec] of Object.entries(declared ?? {})) {
    if (isObject(spec) && spec['defaultValue'] !== undefined) values[key] = spec['defaultValue'];
  }
  for (const [key, value] of Object.entries(isObject(given) ? given : {})) {
    const known = Object.keys(declared ?? {}).find((k) => k.toLowerCase() === key.toLowerCase());
    if (known === undefined) {
      throw new ActivityFailure(
        'InvalidDatasetParameter',
        `Dataset '${name}' has no parameter '${key}'; it declares ${Object.keys(declared ?? {}).join(', ') || 'none'}.`,
      );
    }
    values[known] = value;
  }
  for (const key of Object.keys(declared ?? {})) {
    if (values[key] === undefined) {
      throw new ActivityFailure(
        'InvalidDatasetParameter',
        `Dataset '${name}' needs a value for its parameter '${key}'.`,
      );
    }
  }
  return values;
}

export function datasetResolver(deps: DatasetResolverDeps) {
  return async function resolve(
    reference: unknown,
    run: { pipelineName: string; runId: string },
  ): Promise<ResolvedDataset> {
    const name = isObject(reference) ? reference['referenceName'] : undefined;
    if (typeof name !== 'string' || name === '') {
      throw new ActivityFailure(
        'InvalidDatasetReference',
        'A dataset reference needs {"referenceName": "<dataset>", "type": "DatasetReference"}.',
      );
    }
    const stored = await deps.data.getDataset(name);
    const values = parameterValues(
      name,
      stored.properties.parameters,
      isObject(reference) ? reference['parameters'] : undefined,
    );
    const settings = deps.expressions.evaluateTree(
      stored.properties.typeProperties,
      datasetContext(values, run),
    );
    if (!isObject(settings) || !isObject(settings['location'])) {
      throw new ValidationError(
        `Dataset '${name}' has no typeProperties.location.`,
        'typeProperties.location',
      );
    }
    const location = settings['location'];
    const linkedService = await deps.data.openedLinkedService(
      stored.properties.linkedServiceName.referenceName,
    );
    const store = await openStore(linkedService, location, {
      dataset: name,
      ownHosts: deps.ownHosts(),
      workspaceDatastore: deps.workspaceDatastore,
      urls: deps.urls,
    });
    // A one-file store (an HttpServer URL) has no folders: the location is its file.
    return {
      name: stored.name,
      type: stored.properties.type,
      settings,
      folderPath: store.onlyFile === undefined ? text(location['folderPath'], 'folderPath') : '',
      fileName: store.onlyFile ?? text(location['fileName'], 'fileName'),
      store,
    };
  };
}

export type DatasetResolve = ReturnType<typeof datasetResolver>;
