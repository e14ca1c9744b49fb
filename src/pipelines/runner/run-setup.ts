/**
 * Everything decided when a run is created, before any activity runs: its id, resolved parameters, the
 * `pipeline()` system values (spec §3.3), who invoked it, its initial record and the masker for its
 * SecureString parameters.
 */
import type { PipelineDefinition } from '../definition/model.ts';
import type { PipelineSystemValues } from '../expressions/contract.ts';
import type { Clock } from '../time/clock.ts';
import { formatRunTime } from '../time/timestamp.ts';
import type { IdGenerator } from './ids.ts';
import { MASKED, SecretMasker } from './masking.ts';
import { resolveParameters } from './parameters.ts';
import { parameterText, type InvokedBy, type PipelineRunRecord } from './records.ts';

export interface TriggerInfo {
  /** `Manual`, `ScheduleTrigger`, `PipelineActivity`, ... */
  type: string;
  id?: string;
  name?: string;
  /** When the trigger fired; the run's start when absent. */
  time?: Date;
  /** Values behind `trigger()`; absent for manual runs. */
  values?: Record<string, unknown>;
}

export interface PipelineRunRequest {
  parameters?: Record<string, unknown>;
  /** The values were typed as text (CLI `--param k=v`) and are converted to the declared types. */
  parametersAreText?: boolean;
  runId?: string;
  invokedBy?: InvokedBy;
  trigger?: TriggerInfo;
  /** Cancels the run: it ends Cancelled and its running activities are cancelled. */
  signal?: AbortSignal;
}

/** The run that started this one through ExecutePipeline. */
export interface ParentRunLink {
  pipelineName: string;
  runId: string;
}

export interface RunSetup {
  runId: string;
  parameters: Record<string, unknown>;
  system: PipelineSystemValues;
  record: PipelineRunRecord;
  masker: SecretMasker;
  trigger: Record<string, unknown> | undefined;
}

export interface SetupEnvironment {
  clock: Clock;
  ids: IdGenerator;
  factoryName: string;
  globalParameters: Record<string, unknown>;
}

/** Throws ParameterError when the parameters do not fit the pipeline, before anything is recorded. */
export function setUpRun(
  definition: PipelineDefinition,
  request: PipelineRunRequest,
  parent: ParentRunLink | undefined,
  env: SetupEnvironment,
): RunSetup {
  const resolved = resolveParameters(definition.properties.parameters, request.parameters, {
    fromText: request.parametersAreText === true,
  });
  const runId = request.runId ?? env.ids.newId();
  const start = env.clock.now();
  const trigger = request.trigger ?? { type: 'Manual', name: 'Manual' };
  const triggerId = trigger.id ?? env.ids.newId();
  const system: PipelineSystemValues = {
    DataFactory: env.factoryName,
    Pipeline: definition.name,
    RunId: runId,
    TriggerType: trigger.type,
    TriggerId: triggerId,
    TriggerName: trigger.name ?? trigger.type,
    TriggerTime: formatRunTime(trigger.time ?? start),
    GroupId: runId,
    TriggeredByPipelineName: parent?.pipelineName ?? null,
    TriggeredByPipelineRunId: parent?.runId ?? null,
    parameters: resolved.values,
    globalParameters: env.globalParameters,
  };
  const secureValues = resolved.secureNames.map((n) => resolved.values[n]);
  const masker = new SecretMasker(secureValues.filter((v): v is string => typeof v === 'string'));
  const shownParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(resolved.values)) {
    shownParameters[name] = resolved.secureNames.includes(name) ? MASKED : parameterText(value);
  }
  const startText = formatRunTime(start);
  const record: PipelineRunRecord = {
    runId,
    runGroupId: runId,
    isLatest: true,
    pipelineName: definition.name,
    parameters: shownParameters,
    invokedBy: request.invokedBy ?? { name: system.TriggerName, id: triggerId, invokedByType: trigger.type },
    runStart: startText,
    runEnd: null,
    durationInMs: null,
    lastUpdated: startText,
    status: 'InProgress',
    message: '',
  };
  return { runId, parameters: resolved.values, system, record, masker, trigger: trigger.values };
}
