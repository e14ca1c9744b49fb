/**
 * The one error a bad pipeline definition raises. It is a ValidationError, so the API answers 400 with the
 * ARM error envelope; every problem found is listed in `details` (target = the activity and property), and
 * the message alone is enough for a CLI user to find and fix each one.
 */
import { ValidationError } from '../../core/errors.ts';

/** One thing wrong with a definition. `property` is relative to the activity when `activity` is set. */
export interface DefinitionProblem {
  activity?: string;
  property: string;
  message: string;
}

export class PipelineDefinitionError extends ValidationError {
  readonly problems: DefinitionProblem[];

  constructor(message: string, problems: DefinitionProblem[] = []) {
    super(
      message,
      undefined,
      problems.map((problem) => ({
        code: 'InvalidPipelineDefinition',
        message: problem.message,
        target: problemTarget(problem),
      })),
    );
    this.problems = problems;
  }

  /** One error for a list of problems, headed by what was being read (a file or a pipeline). */
  static fromProblems(subject: string, problems: DefinitionProblem[]): PipelineDefinitionError {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `- ${problem.message}`);
    return new PipelineDefinitionError(
      [`${subject} is not valid (${count}):`, ...lines].join('\n'),
      problems,
    );
  }
}

function problemTarget(problem: DefinitionProblem): string {
  return problem.activity === undefined ? problem.property : `${problem.activity}/${problem.property}`;
}
