import type { z } from 'zod';
import { ApiError } from './error-body.js';

/** Parse one part of a request with its schema; a failure names every bad field. */
export function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, part: 'path' | 'query' | 'body'): T {
  if (!schema) {
    if (part === 'body' && value !== undefined && value !== null && !(typeof value === 'object' && Object.keys(value).length === 0)) {
      throw new ApiError(400, 'BODY_INVALID', 'this route takes no body');
    }
    return undefined as T;
  }
  const result = schema.safeParse(value ?? undefined);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [part, ...i.path.map(String)].join('.'), message: i.message }));
  const first = issues[0];
  throw new ApiError(400, 'BODY_INVALID', `${first ? `${first.path}: ${first.message}` : `the ${part} is not valid`}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, { issues });
}
