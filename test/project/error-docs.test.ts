import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../src/definition/index.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Codes the source raises, found by pattern, so a new code cannot skip the catalogue. */
function codesIn(files: string[], pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const f of files) for (const m of readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8').matchAll(pattern)) found.add(m[1] as string);
  return [...found];
}

describe('docs/errors.md', () => {
  it('lists every definition diagnostic code', () => {
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(doc, code).toContain(`\`${code}\``);
  });

  it('lists every command error code', () => {
    const codes = codesIn(['src/app/errors.ts'], /\| '([A-Z_]+)'/g);
    expect(codes.length).toBeGreaterThan(5);
    for (const code of codes) expect(doc, code).toContain(`\`${code}\``);
  });

  it('lists every API error code the server adds', () => {
    const codes = codesIn(['src/server/error-body.ts'], /\| '([A-Z_]+)'/g);
    expect(codes).toContain('UNAUTHORIZED');
    for (const code of codes) expect(doc, code).toContain(`\`${code}\``);
  });

  it('lists every step error code the actions, runtime and engine raise', () => {
    const files = ['src/actions/shell.ts', 'src/actions/http.ts', 'src/actions/breakers.ts', 'src/actions/mcp.ts', 'src/actions/mcp-clients.ts', 'src/actions/spawned-process.ts', 'src/actions/output-file.ts', 'src/actions/aborted.ts', 'src/actions/memory.ts', 'src/actions/gate.ts', 'src/actions/notify.ts', 'src/runtime/prepare.ts', 'src/runtime/execute.ts', 'src/runtime/reveal.ts', 'src/runtime/locks.ts', 'src/runtime/outputs.ts', 'src/engine/decide.ts', 'src/runtime/subworkflow.ts', 'src/runtime/lineage.ts', 'src/app/children.ts', 'src/actions/workflow.ts'];
    const codes = codesIn(files, /(?:ActionFailure\([^,]+,\s*|code: |fail\(|failed\(key, )'([A-Z][A-Z_]+)'/g);
    expect(codes).toContain('EXIT_CODE');
    expect(codes).toContain('STEP_TIMEOUT');
    for (const code of codes) expect(doc, code).toContain(`\`${code}\``);
  });
});
