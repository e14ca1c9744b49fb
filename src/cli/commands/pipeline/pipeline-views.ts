/**
 * The `-o table` columns of the pipeline commands: pipelines with their activity count and parameters,
 * runs with status and duration, activity runs with iteration and error. Paths are JMESPath where a
 * column is computed (counts, joined names).
 */
import type { TableSpec } from '../../output/table.ts';

export const PIPELINE_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Activities', path: 'length(properties.activities || `[]`)' },
  { header: 'Parameters', path: "join(', ', keys(properties.parameters || `{}`))" },
  { header: 'Description', path: 'properties.description' },
];

/** What `pipeline import` prints unless asked for an output format: one line per pipeline, no definition. */
export const IMPORT_SUMMARY_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Activities', path: 'length(properties.activities || `[]`)' },
  { header: 'Parameters', path: "join(', ', keys(properties.parameters || `{}`))" },
];

export const RUN_TABLE: TableSpec = [
  { header: 'RunId', path: 'runId' },
  { header: 'Pipeline', path: 'pipelineName' },
  { header: 'Status', path: 'status' },
  { header: 'RunStart', path: 'runStart' },
  { header: 'DurationInMs', path: 'durationInMs' },
  { header: 'InvokedBy', path: 'invokedBy.name' },
  { header: 'Message', path: 'message' },
];

export const ACTIVITY_RUN_TABLE: TableSpec = [
  { header: 'Activity', path: 'activityName' },
  { header: 'Type', path: 'activityType' },
  { header: 'Status', path: 'status' },
  { header: 'Iteration', path: 'iteration' },
  { header: 'Retry', path: 'retryAttempt' },
  { header: 'Start', path: 'activityRunStart' },
  { header: 'DurationInMs', path: 'durationInMs' },
  { header: 'Error', path: 'error.message' },
];

export const TEMPLATE_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Pipeline', path: 'pipelineName' },
  { header: 'Description', path: 'description' },
];
