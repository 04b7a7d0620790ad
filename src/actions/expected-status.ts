import { z } from 'zod';

/**
 * The `expect_status` parameter of `http`: a status code, a pattern such as "2xx" or
 * "200-299", or a list of them.
 */

const pattern = z
  .string()
  .regex(/^([1-5][xX][xX]|[1-5]\d\d(-[1-5]\d\d)?)$/, 'a status pattern is a code ("204"), a class ("2xx") or a range ("200-299")');
const code = z.number().int().min(100).max(599);
const one = z.union([code, pattern]);

export const expectedStatusSchema = z.union([one, z.array(one).min(1)]);

export type ExpectedStatus = z.infer<typeof expectedStatusSchema>;

/** Compiles `expect_status` into a predicate over status codes. */
export function statusMatcher(expected: ExpectedStatus = '2xx'): (status: number) => boolean {
  const ranges = (Array.isArray(expected) ? expected : [expected]).map(rangeOf);
  return (status) => ranges.some(([low, high]) => status >= low && status <= high);
}

export function describeExpected(expected: ExpectedStatus = '2xx'): string {
  return Array.isArray(expected) ? expected.join(', ') : String(expected);
}

function rangeOf(item: number | string): [number, number] {
  if (typeof item === 'number') return [item, item];
  if (/x/i.test(item)) {
    const hundreds = Number(item[0]) * 100;
    return [hundreds, hundreds + 99];
  }
  const [low, high = low] = item.split('-').map(Number);
  return [low ?? 0, high ?? 0];
}
