import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

/** Spawn rejects NUL bytes; say so in validation rather than at run time. */
const noNul = (what: string) => z.string().refine((s) => !s.includes('\0'), `${what} must not contain a NUL byte`);

function shellParameters() {
  return z
    .strictObject({
      run: z.string().min(1).optional().describe('A script, run as `bash -e -c <script>`. Hand it values through `env`.'),
      argv: z
        .array(noNul('an argv element'))
        .min(1)
        .optional()
        .describe('A program and its arguments, run directly without a shell.'),
      env: z
        .record(
          z.string().regex(/^[^=\0]+$/, 'an environment variable name must be non-empty, without `=` or NUL'),
          z.union([noNul('an environment value'), z.number(), z.boolean()]),
        )
        .optional()
        .describe('Extra environment variables: the safe way to hand values (templates) to a script.'),
      cwd: z.string().min(1).optional().describe('Working directory, relative to the workflow file.'),
      shell: z.string().min(1).optional().describe('The shell that runs `run` (default bash); called as `<shell> -e -c <script>`.'),
    })
    .refine((p) => (p.run === undefined) !== (p.argv === undefined), {
      message: 'give exactly one of `run` (a script) or `argv` (a program and its arguments)',
    })
    .refine((p) => p.shell === undefined || p.run !== undefined, {
      message: '`shell` only applies to `run`; `argv` runs its program directly',
      path: ['shell'],
    });
}

export type ShellParameters = z.infer<ReturnType<typeof shellParameters>>;

export const shellSpec: ActionSpec<ShellParameters> = lazySpec(
  {
    name: 'shell',
    summary: 'Run a script with bash (`run`) or a program directly (`argv`); outputs via $CAIRN_OUTPUT.',
    mutates: true,
    noTemplates: {
      run:
        'a template inside `run` would splice data into shell code; pass it through `env:` instead:\n' +
        '  env: { NAME: "${{ parameters.name }}" }\n' +
        '  run: echo "$NAME"',
    },
  },
  shellParameters,
);
