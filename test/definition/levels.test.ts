import { describe, expect, it } from 'vitest';
import { at, check, testCatalog, yaml } from './support.js';

const codes = (ds: { code: string; severity: string }[]) => ds.map((d) => `${d.severity} ${d.code}`);

describe('strict level', () => {
  it('wants a timeout on every step unless the workflow has one', async () => {
    const text = yaml('name: x', 'steps:', '  - id: a', '    command: log', '    parameters: {message: hi}', '  - id: b', '    command: log', '    timeout_seconds: 5', '    parameters: {message: hi}');
    expect(await check(text, 'standard')).toEqual([]);
    const strict = await check(text, 'strict');
    expect(strict.map((d) => `${at(d)} ${d.code} ${d.message}`)).toEqual(["3:5 DEF_NO_TIMEOUT step 'a' has no timeout_seconds and the workflow has none: it could run forever"]);
    expect(await check(`timeout_seconds: 60\n${text}`, 'strict')).toEqual([]);
  });

  it('wants a rollback on state-changing steps when rollback is enabled', async () => {
    const text = (enabled: boolean) =>
      yaml(
        'name: x',
        `rollback_enabled: ${enabled}`,
        'timeout_seconds: 60',
        'steps:',
        '  - id: change',
        '    command: shell',
        '    parameters: {run: "touch /tmp/x"}',
        '  - id: undoable',
        '    command: shell',
        '    parameters: {run: "touch /tmp/y"}',
        '    rollback: {command: shell, parameters: {run: "rm /tmp/y"}}',
        '  - id: read-only',
        '    command: log',
        '    parameters: {message: hi}',
      );
    expect(codes(await check(text(true), 'strict'))).toEqual(['warning DEF_NO_ROLLBACK']);
    expect(await check(text(false), 'strict')).toEqual([]);
  });
});

describe('paranoid level', () => {
  it('says which way a condition that reads nothing always goes', async () => {
    const ds = await check(
      yaml('name: x', 'timeout_seconds: 60', 'steps:', '  - id: a', '    command: log', '    if: 1 + 1 = 3', '    parameters: {message: hi}', '  - id: b', '    command: log', '    if: "${{ true }}"', '    parameters: {message: hi}'),
      'paranoid',
      testCatalog(),
    );
    expect(ds.map((d) => `${at(d)} ${d.message}`)).toEqual([
      '6:9 the condition (if) reads no parameters or steps, so it is always false: the step never runs',
      '10:14 the condition (if) reads no parameters or steps, so it is always true: the step always runs',
    ]);
  });

  it('includes every lower level', async () => {
    const ds = await check(yaml('name: x', 'steps:', '  - id: a', '    command: nope'), 'paranoid');
    expect(codes(ds)).toEqual(['error DEF_UNKNOWN_COMMAND', 'warning DEF_NO_TIMEOUT']);
  });
});
