import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { actionCatalog, builtinActions } from '../../src/actions/registry.js';
import { at, check, only, yaml } from './support.js';

describe('commands (standard level)', () => {
  it('an unknown command lists the known ones and the fix', async () => {
    const d = only(await check(yaml('name: x', 'steps:', '  - id: a', '    command: shel', '    parameters: {run: "true"}')), 'DEF_UNKNOWN_COMMAND');
    expect(at(d)).toBe('4:14');
    expect(d.message).toBe("step 'a': unknown command 'shel'. Did you mean 'shell'? Known commands: 'http', 'log', 'shell' and 'wait'");
    expect(d.fix).toBe('command: shell');
    const far = only(await check(yaml('name: x', 'steps:', '  - id: a', '    command: hv-status')), 'DEF_UNKNOWN_COMMAND');
    expect(far.fix).toBe('use a known command, or map it to a built-in under `commands:` in cairn.yaml (configuration arrives in a later release)');
  });

  it('is not checked at basic level', async () => {
    expect(await check(yaml('name: x', 'steps:', '  - id: a', '    command: hv-status'), 'basic')).toEqual([]);
  });

  it("literal parameters are checked against the command's schema, at the value", async () => {
    const ds = await check(yaml('name: x', 'steps:', '  - id: a', '    command: wait', '    parameters:', '      seconds: soon', '  - id: b', '    command: log', '    parameters: {mesage: hi}'));
    expect(ds.map((d) => `${at(d)} ${d.code} ${d.message}`)).toEqual([
      "6:16 DEF_COMMAND_PARAMETERS step 'a' (wait): steps[0].parameters.seconds: expected a number, found 'soon' (a string)",
      "9:17 DEF_REQUIRED step 'b' (log): steps[1].parameters.message: missing required key 'message'",
      "9:18 DEF_UNKNOWN_KEY step 'b' (log): steps[1].parameters.mesage: unknown key 'mesage'",
    ]);
  });

  it('values that are templates are left for run time', async () => {
    const ds = await check(
      yaml('name: x', 'parameters: {delay: {type: number, default: 1}}', 'steps:', '  - id: a', '    command: wait', '    parameters:', '      seconds: ${{ parameters.delay }}'),
    );
    expect(ds).toEqual([]);
  });

  it('a template where the command forbids one is refused with the reason', async () => {
    const d = only(
      await check(yaml('name: x', 'parameters: {who: world}', 'steps:', '  - id: a', '    command: shell', '    parameters:', '      run: echo hello ${{ parameters.who }}')),
      'DEF_TEMPLATE_NOT_ALLOWED',
    );
    expect(at(d)).toBe('7:27');
    expect(d.message).toBe("step 'a': a template is not allowed in 'run' of command 'shell'");
    expect(d.fix).toContain('env: { NAME: "${{ parameters.name }}" }');
  });
});

describe('timeouts (standard level)', () => {
  it('warns about timeouts over a day and steps longer than their workflow', async () => {
    const ds = await check(yaml('name: x', 'timeout_seconds: 100000', 'steps:', '  - id: a', '    timeout_seconds: 200000', '    command: log', '    parameters: {message: hi}'));
    expect(ds.map((d) => `${at(d)} ${d.severity} ${d.code} ${d.message}`)).toEqual([
      '2:18 warning DEF_TIMEOUT the workflow timeout of 100000 s is more than a day; is that meant to be minutes?',
      "5:22 warning DEF_TIMEOUT step 'a' timeout of 200000 s is more than a day; is that meant to be minutes?",
      "5:22 warning DEF_TIMEOUT step 'a' may run 200000 s, longer than the whole workflow's 100000 s",
    ]);
  });

  it('zero and negative timeouts are errors at every level', async () => {
    const d = only(await check(yaml('name: x', 'steps:', '  - id: a', '    timeout_seconds: 0'), 'basic'), 'DEF_TYPE');
    expect(d.message).toBe('steps[0].timeout_seconds: must be greater than 0');
  });
});

describe('the real built-in catalog', () => {
  it('accepts examples/hello.yaml at standard level', async () => {
    const file = fileURLToPath(new URL('../../examples/hello.yaml', import.meta.url));
    const ds = await check(readFileSync(file, 'utf8'), 'standard', actionCatalog(builtinActions()), file);
    expect(ds.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
