import type { z } from 'zod';

/** A command's parameters that failed its schema, in one line: `url: Invalid URL; method: ...`. */
export function parameterIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(parameters)'}: ${i.message}`).join('; ');
}
