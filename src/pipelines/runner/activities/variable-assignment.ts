/**
 * Shared by SetVariable and AppendVariable: the variable name, and the documented rule that the value may
 * not refer to the variable being assigned (spec §1.4; `x = x + 1` needs a temporary variable). Studio
 * enforces the rule when publishing; the runner checks it so local runs reject what the service would.
 */
import { ActivityFailure } from '../activity-failure.ts';

export function variableNameOf(typeProperties: Record<string, unknown>): string {
  const name = typeProperties.variableName;
  if (typeof name !== 'string' || name === '') {
    throw new ActivityFailure('InvalidVariableName', 'variableName must name a pipeline variable.');
  }
  return name;
}

function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(texts);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(texts);
  return [];
}

export function rejectSelfReference(activityType: string, name: string, rawValue: unknown): void {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const reference = new RegExp(`variables\\s*\\(\\s*'${escaped}'\\s*\\)`, 'i');
  if (texts(rawValue).some((text) => reference.test(text))) {
    throw new ActivityFailure(
      'SelfReferencingVariable',
      `The value of ${activityType} for variable '${name}' refers to the variable itself, which is not allowed; ` +
        'assign through a temporary variable instead.',
    );
  }
}
