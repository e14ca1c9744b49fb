/**
 * Activity type names and the shape of containers. Type names are matched ignoring case (real exports vary)
 * and mapped to Data Factory's spelling; the runner and the validator share the list of types Nightshift
 * runs, and the list of every other Data Factory or Fabric type so a message can tell "a type we do not
 * run" from "a typo". Containers are described once here so every walk over nested activities agrees.
 */
import { isJsonObject } from './json-text.ts';

/** The activity types the runner executes (spec §2.7.1–2.7.11, and Copy and Get Metadata over datasets). */
export const RUNNABLE_ACTIVITY_TYPES = [
  'WebActivity',
  'Until',
  'Wait',
  'SetVariable',
  'AppendVariable',
  'IfCondition',
  'Switch',
  'ForEach',
  'Filter',
  'ExecutePipeline',
  'Fail',
  'Copy',
  'GetMetadata',
] as const;

/** Other Data Factory, Synapse and Fabric types: valid in the service, not run by Nightshift. */
export const OTHER_ACTIVITY_TYPES = [
  'Validation',
  'WebHook',
  'Lookup',
  'Delete',
  'Script',
  'SqlServerStoredProcedure',
  'AzureFunctionActivity',
  'DatabricksNotebook',
  'DatabricksSparkJar',
  'DatabricksSparkPython',
  'DatabricksJob',
  'ExecuteDataFlow',
  'ExecuteWranglingDataflow',
  'ExecuteSSISPackage',
  'AzureMLBatchExecution',
  'AzureMLUpdateResource',
  'AzureMLExecutePipeline',
  'AzureDataExplorerCommand',
  'Custom',
  'HDInsightHive',
  'HDInsightPig',
  'HDInsightMapReduce',
  'HDInsightSpark',
  'HDInsightStreaming',
  'DataLakeAnalyticsU-SQL',
  'SynapseNotebook',
  'SparkJob',
  'InvokePipeline',
  'RefreshDataflow',
  'TridentNotebook',
  'Office365Outlook',
  'Teams',
] as const;

/** Data Factory's spelling of a type name given in any case, from `known`; undefined when it is none. */
export function canonicalActivityType(
  type: unknown,
  known: readonly string[] = RUNNABLE_ACTIVITY_TYPES,
): string | undefined {
  if (typeof type !== 'string') return undefined;
  return known.find((candidate) => candidate.toLowerCase() === type.toLowerCase());
}

/** One nested activity list of a container, with the JSON path of the list inside the activity. */
export interface ChildScope {
  /** e.g. `typeProperties.activities`, `typeProperties.cases[1].activities`. */
  property: string;
  /** How a person names this list: "activities", "ifTrueActivities", "case 'x'", "defaultActivities". */
  label: string;
  activities: unknown;
}

/** The nested activity lists of a container activity (Until, ForEach, IfCondition, Switch); none otherwise. */
export function childScopes(activity: Record<string, unknown>): ChildScope[] {
  const props = activity['typeProperties'];
  if (!isJsonObject(props)) return [];
  const listed = (key: string): ChildScope[] =>
    props[key] === undefined
      ? []
      : [{ property: `typeProperties.${key}`, label: key, activities: props[key] }];
  switch (canonicalActivityType(activity['type'])) {
    case 'Until':
    case 'ForEach':
      return listed('activities');
    case 'IfCondition':
      return [...listed('ifTrueActivities'), ...listed('ifFalseActivities')];
    case 'Switch': {
      const cases = Array.isArray(props['cases']) ? props['cases'] : [];
      const caseScopes = cases.flatMap((entry: unknown, index): ChildScope[] =>
        isJsonObject(entry) && entry['activities'] !== undefined
          ? [
              {
                property: `typeProperties.cases[${index}].activities`,
                label: `case '${String(entry['value'])}'`,
                activities: entry['activities'],
              },
            ]
          : [],
      );
      return [...caseScopes, ...listed('defaultActivities')];
    }
    default:
      return [];
  }
}
