import { z } from 'zod';
import { expectedStatusSchema } from '../expected-status.js';
import { lazySpec, type ActionSpec } from '../spec.js';

export const MAX_REDIRECTS = 5;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

function httpParameters() {
  const headerValue = z
    .union([z.string(), z.number(), z.boolean()])
    .refine((v) => typeof v !== 'string' || !/[\r\n\0]/.test(v), 'a header value must not contain CR, LF or NUL');
  return z.strictObject({
    url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http:// or https:// URL' }),
    method: z.enum(METHODS).optional().describe('Default GET.'),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name'), headerValue)
      .optional(),
    body: z.json().optional().describe('A string is sent as is; any other JSON value is sent as application/json.'),
    expect_status: expectedStatusSchema.optional().describe('Status codes that mean success (default "2xx").'),
    timeout_seconds: z.number().positive().optional().describe('Time limit for the whole request, body included.'),
    follow_redirects: z.boolean().optional().describe(`Follow up to ${MAX_REDIRECTS} redirects (default false).`),
  });
}

export type HttpParameters = z.infer<ReturnType<typeof httpParameters>>;

export const httpSpec: ActionSpec<HttpParameters> = lazySpec(
  {
    name: 'http',
    summary: 'Send an HTTP request; the status, headers and (JSON) body become outputs.',
    mutates: true,
  },
  httpParameters,
);
