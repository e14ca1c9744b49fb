/**
 * Required properties of each activity type Nightshift runs (spec §2.7). WebActivity has its own file; the
 * control activities are here: Until, Wait, SetVariable, AppendVariable, IfCondition, Switch, ForEach,
 * Filter, ExecutePipeline and Fail. Variables named by SetVariable/AppendVariable must be declared (or be
 * the system variable `pipelineReturnValue`), and literal values must fit the declared type.
 */
import { isJsonObject } from './json-text.ts';
import { isDynamic, readBoolean, type VariableKind } from './lenient-values.ts';
import {
  checkBoolean,
  checkInteger,
  checkObject,
  checkTimespan,
  requireExpression,
  requireValue,
} from './validate-properties.ts';
import { checkWebActivity } from './validate-web-activity.ts';
import { shown, typeProperties, type ActivitySite, type ProblemSink } from './validation-context.ts';

const MAX_SWITCH_CASES = 25;
const MAX_FOREACH_BATCH = 50;
const RETURN_VALUE_VARIABLE = 'pipelineReturnValue';
const DAY_MS = 24 * 60 * 60 * 1000;
const RETURN_VALUE_TYPES = ['Expression', 'String', 'Int', 'Float', 'Boolean', 'Null', 'Array', 'Object'];

export interface ActivityRuleContext {
  /** Declared variables by exact name, with what they hold (undefined for an unknown type name). */
  variables: Map<string, VariableKind | undefined>;
  /** Whether a pipeline of this name exists, for ExecutePipeline; absent means "do not check". */
  pipelineExists?: (name: string) => boolean;
}

export function checkActivityProperties(
  site: ActivitySite,
  context: ActivityRuleContext,
  sink: ProblemSink,
): void {
  const rule = site.type === undefined ? undefined : RULES[site.type];
  if (rule === undefined) return;
  const props = site.activity['typeProperties'];
  if (!isJsonObject(props)) {
    sink.activity(
      site,
      'typeProperties',
      `is required for a ${site.type ?? ''} activity and must be an object.`,
    );
    return;
  }
  rule(site, context, sink);
}

type Rule = (site: ActivitySite, context: ActivityRuleContext, sink: ProblemSink) => void;

const RULES: Record<string, Rule> = {
  WebActivity: (site, _context, sink) => {
    checkWebActivity(site, sink);
  },
  Until: (site, _context, sink) => {
    const props = typeProperties(site);
    requireExpression(
      sink,
      site,
      'typeProperties.expression',
      props['expression'],
      'gives true when the loop should stop',
    );
    requireActivities(site, props['activities'], 'typeProperties.activities', sink);
    checkTimespan(sink, site, 'typeProperties.timeout', props['timeout'], {
      maxMs: 90 * DAY_MS,
      maxText: '90 days',
    });
  },
  Wait: (site, _context, sink) => {
    const seconds = typeProperties(site)['waitTimeInSeconds'];
    if (
      requireValue(
        sink,
        site,
        'typeProperties.waitTimeInSeconds',
        seconds,
        'set the number of seconds to wait',
      )
    ) {
      checkInteger(sink, site, 'typeProperties.waitTimeInSeconds', seconds, { min: 0 });
    }
  },
  SetVariable: checkSetVariable,
  AppendVariable: (site, context, sink) => {
    const props = typeProperties(site);
    const kind = checkVariableName(site, props['variableName'], context, sink);
    if (kind !== undefined && kind !== 'Array') {
      sink.activity(
        site,
        'typeProperties.variableName',
        `names a ${kind} variable; AppendVariable only adds to Array variables (use SetVariable instead).`,
      );
    }
    if (!('value' in props))
      sink.activity(site, 'typeProperties.value', 'is required: set the element to append.');
  },
  IfCondition: (site, _context, sink) => {
    requireExpression(
      sink,
      site,
      'typeProperties.expression',
      typeProperties(site)['expression'],
      'gives true or false',
    );
  },
  Switch: checkSwitch,
  ForEach: (site, _context, sink) => {
    const props = typeProperties(site);
    if (!Array.isArray(props['items']))
      requireExpression(sink, site, 'typeProperties.items', props['items'], 'gives the list to loop over');
    requireActivities(site, props['activities'], 'typeProperties.activities', sink);
    checkBoolean(sink, site, 'typeProperties.isSequential', props['isSequential']);
    checkInteger(sink, site, 'typeProperties.batchCount', props['batchCount'], {
      min: 1,
      max: MAX_FOREACH_BATCH,
    });
  },
  Filter: (site, _context, sink) => {
    const props = typeProperties(site);
    if (!Array.isArray(props['items']))
      requireExpression(sink, site, 'typeProperties.items', props['items'], 'gives the list to filter');
    requireExpression(
      sink,
      site,
      'typeProperties.condition',
      props['condition'],
      'gives true for the items to keep, using item()',
    );
  },
  ExecutePipeline: checkExecutePipeline,
  Fail: (site, _context, sink) => {
    const props = typeProperties(site);
    if (!('message' in props))
      sink.activity(
        site,
        'typeProperties.message',
        'is required: set the failure message (text or an expression).',
      );
    requireValue(
      sink,
      site,
      'typeProperties.errorCode',
      props['errorCode'],
      'set the error code to report (text or an expression)',
    );
  },
};

function requireActivities(
  site: ActivitySite,
  activities: unknown,
  property: string,
  sink: ProblemSink,
): void {
  if (Array.isArray(activities) && activities.length > 0) return;
  if (activities === undefined || Array.isArray(activities)) {
    sink.activity(site, property, `must hold at least one activity to run in the ${site.type ?? ''} loop.`);
  }
}

/** The declared kind of the variable, after reporting a missing or undeclared name. */
function checkVariableName(
  site: ActivitySite,
  name: unknown,
  context: ActivityRuleContext,
  sink: ProblemSink,
): VariableKind | undefined {
  const property = 'typeProperties.variableName';
  if (!requireValue(sink, site, property, name, 'name a variable declared in properties.variables'))
    return undefined;
  if (typeof name !== 'string') {
    sink.activity(site, property, `is ${shown(name)}; it must be the name of a declared variable.`);
    return undefined;
  }
  if (context.variables.has(name)) return context.variables.get(name);
  const nearMiss = [...context.variables.keys()].find(
    (declared) => declared.toLowerCase() === name.toLowerCase(),
  );
  const hint =
    nearMiss === undefined
      ? 'declare it in properties.variables'
      : `the declared variable is spelled '${nearMiss}'`;
  sink.activity(site, property, `names '${name}', which the pipeline does not declare; ${hint}.`);
  return undefined;
}

function checkSetVariable(site: ActivitySite, context: ActivityRuleContext, sink: ProblemSink): void {
  const props = typeProperties(site);
  const system = readBoolean(props['setSystemVariable']) === true;
  if (system || props['variableName'] === RETURN_VALUE_VARIABLE) {
    checkReturnValue(site, props, system, sink);
    return;
  }
  const kind = checkVariableName(site, props['variableName'], context, sink);
  if (!('value' in props)) {
    sink.activity(
      site,
      'typeProperties.value',
      'is required: set the new value (a literal or an expression).',
    );
    return;
  }
  const value = props['value'];
  if (kind === undefined || isDynamic(value)) return;
  if (literalKind(value) !== kind && !(kind === 'Float' && literalKind(value) === 'Int')) {
    sink.activity(
      site,
      'typeProperties.value',
      `is ${shown(value)}, which does not fit the ${kind} variable '${String(props['variableName'])}'; give a value of that type or an expression.`,
    );
  }
}

function literalKind(value: unknown): VariableKind | 'Other' {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Int' : 'Float';
  return Array.isArray(value) ? 'Array' : 'Other';
}

/** `pipelineReturnValue` (spec §2.7.4): only with setSystemVariable, value a list of {key, value: {type, content}}. */
function checkReturnValue(
  site: ActivitySite,
  props: Record<string, unknown>,
  system: boolean,
  sink: ProblemSink,
): void {
  if (props['variableName'] !== RETURN_VALUE_VARIABLE) {
    sink.activity(
      site,
      'typeProperties.variableName',
      `is ${shown(props['variableName'])}; the only system variable is '${RETURN_VALUE_VARIABLE}'.`,
    );
    return;
  }
  if (!system) {
    sink.activity(
      site,
      'typeProperties.setSystemVariable',
      `must be true to set '${RETURN_VALUE_VARIABLE}'.`,
    );
  }
  const entries = props['value'];
  if (!Array.isArray(entries)) {
    sink.activity(
      site,
      'typeProperties.value',
      'must be a list of {"key", "value": {"type", "content"}} entries for the return value.',
    );
    return;
  }
  entries.forEach((entry: unknown, index) => {
    const at = `typeProperties.value[${index}]`;
    if (!isJsonObject(entry) || typeof entry['key'] !== 'string' || entry['key'] === '') {
      sink.activity(site, `${at}.key`, 'is required: name the returned value.');
      return;
    }
    const typed = entry['value'];
    const type = isJsonObject(typed) ? typed['type'] : undefined;
    if (typeof type !== 'string' || !RETURN_VALUE_TYPES.includes(type)) {
      sink.activity(
        site,
        `${at}.value.type`,
        `is ${shown(type)}; use one of ${RETURN_VALUE_TYPES.join(', ')}.`,
      );
    }
  });
}

function checkSwitch(site: ActivitySite, _context: ActivityRuleContext, sink: ProblemSink): void {
  const props = typeProperties(site);
  requireExpression(
    sink,
    site,
    'typeProperties.on',
    props['on'],
    'gives the text to match against the cases',
  );
  const cases = props['cases'];
  if (cases === undefined) return;
  if (!Array.isArray(cases)) {
    sink.activity(site, 'typeProperties.cases', 'must be a list of {"value", "activities"} entries.');
    return;
  }
  if (cases.length > MAX_SWITCH_CASES) {
    sink.activity(
      site,
      'typeProperties.cases',
      `has ${cases.length} cases; a Switch has at most ${MAX_SWITCH_CASES}.`,
    );
  }
  const seen = new Set<string>();
  cases.forEach((entry: unknown, index) => {
    const value = isJsonObject(entry) ? entry['value'] : undefined;
    if (typeof value !== 'string') {
      sink.activity(
        site,
        `typeProperties.cases[${index}].value`,
        `is ${shown(value)}; each case needs a text value to match.`,
      );
    } else if (seen.has(value)) {
      sink.activity(
        site,
        `typeProperties.cases[${index}].value`,
        `repeats the case '${value}'; case values must be unique.`,
      );
    } else {
      seen.add(value);
    }
  });
}

function checkExecutePipeline(site: ActivitySite, context: ActivityRuleContext, sink: ProblemSink): void {
  const props = typeProperties(site);
  const reference = props['pipeline'];
  const name = isJsonObject(reference) ? reference['referenceName'] : undefined;
  if (typeof name !== 'string' || name === '') {
    sink.activity(
      site,
      'typeProperties.pipeline.referenceName',
      'is required: name the pipeline to run, as {"referenceName": "<name>", "type": "PipelineReference"}.',
    );
  } else if (context.pipelineExists !== undefined && !context.pipelineExists(name)) {
    sink.activity(
      site,
      'typeProperties.pipeline.referenceName',
      `names the pipeline '${name}', which does not exist; import it first or fix the name.`,
    );
  }
  checkObject(sink, site, 'typeProperties.parameters', props['parameters'], 'parameter values');
  checkBoolean(sink, site, 'typeProperties.waitOnCompletion', props['waitOnCompletion']);
}
