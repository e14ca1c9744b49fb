/**
 * Test support for the `nightshift pipeline` CLI tests: the record shapes they read, and the pipeline JSON
 * they import (an ADF export template whose Parent runs Child with ExecutePipeline, Git-form pipelines).
 */
export interface Run {
  runId: string;
  pipelineName: string;
  status: string;
  message: string;
  parameters: Record<string, string>;
  invokedBy: { id: string; invokedByType: string };
}

export interface ActivityRun {
  activityName: string;
  activityType: string;
  status: string;
  iteration: number | null;
  input: { pipeline?: { referenceName: string } };
  output: { pipelineRunId?: string };
  error: { errorCode: string; message: string } | null;
}

export interface Pipeline {
  name: string;
  properties: { activities: { name: string }[]; parameters?: Record<string, { defaultValue?: unknown }> };
}

export const expression = (value: string) => ({ value, type: 'Expression' });
export const wait = (name: string, seconds: unknown) => ({
  name,
  type: 'Wait',
  typeProperties: { waitTimeInSeconds: seconds },
});

export function armPipeline(name: string, properties: unknown, dependsOn: string[] = []) {
  return {
    name: `[concat(parameters('factoryName'), '/${name}')]`,
    type: 'Microsoft.DataFactory/factories/pipelines',
    apiVersion: '2018-06-01',
    properties,
    dependsOn,
  };
}

/** An ADF "export template": Child waits, then loops twice; Parent runs Child with its own `seconds`. */
export const ARM_TEMPLATE = {
  $schema: 'https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  parameters: { factoryName: { type: 'string', metadata: 'Data Factory name' } },
  variables: { factoryId: "[concat('Microsoft.DataFactory/factories/', parameters('factoryName'))]" },
  resources: [
    armPipeline('Child', {
      parameters: { seconds: { type: 'int', defaultValue: 0 }, label: { type: 'string' } },
      activities: [
        wait('Pause', expression('@pipeline().parameters.seconds')),
        {
          name: 'Each',
          type: 'ForEach',
          dependsOn: [{ activity: 'Pause', dependencyConditions: ['Succeeded'] }],
          typeProperties: {
            isSequential: true,
            items: expression('@createArray(1, 2)'),
            activities: [wait('Tick', 0)],
          },
        },
      ],
    }),
    armPipeline(
      'Parent',
      {
        parameters: { seconds: { type: 'int', defaultValue: 0 } },
        activities: [
          {
            name: 'Run child',
            type: 'ExecutePipeline',
            typeProperties: {
              pipeline: { referenceName: 'Child', type: 'PipelineReference' },
              parameters: { seconds: expression('@pipeline().parameters.seconds'), label: 'from parent' },
              waitOnCompletion: true,
            },
          },
        ],
      },
      ["[concat(variables('factoryId'), '/pipelines/Child')]"],
    ),
  ],
};

/** Git form, `{name, properties}`. */
export const gitPipeline = (name: string, activities: unknown[]) => ({ name, properties: { activities } });
