/**
 * Exit codes: 0 pass, 1 a budget failed, 2 bad input, 3 the environment could not run it (or the deployment could not
 * be brought to a verdict: a fault that failed, a topology that never converged), 4 a bug of the harness, 130 interrupted.
 */
export const EXIT = { pass: 0, budgetFailed: 1, badInput: 2, environment: 3, internal: 4, interrupted: 130 } as const;

/** An error the user can act on: says what is wrong and what to do, and carries its exit code. */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export class BadInputError extends HarnessError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.badInput, hint);
  }
}

export class EnvironmentError extends HarnessError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.environment, hint);
  }
}
