import { describe, expect, it } from 'vitest';
import { mergeParameters, resolveCommand, validateConfig } from '../../src/config/index.js';
import { BUILTINS, check, lines, only } from './support.js';

const SEED_COMMANDS = [
  'commands:',
  '  hv-delegate:',
  '    uses: task',
  '    description: Hand work to the ops team',
  '    parameters: { assignee: ops, instructions: Do the task named in the step }',
  '  hv-status: { uses: shell, parameters: { argv: [systemctl, status], env: { SYSTEMD_PAGER: "" } } }',
  '  hv-broadcast: { uses: notify, parameters: { channel: ops } }',
].join('\n');

describe('named commands', () => {
  it('map a name onto a built-in with preset parameters', () => {
    const { config, diagnostics } = check(SEED_COMMANDS);
    expect(diagnostics).toEqual([]);
    expect(config.commands['hv-delegate']).toEqual({ uses: 'task', description: 'Hand work to the ops team', parameters: { assignee: 'ops', instructions: 'Do the task named in the step' } });
    expect(resolveCommand(config, 'hv-delegate')).toEqual({ builtin: 'task', preset: { assignee: 'ops', instructions: 'Do the task named in the step' } });
    expect(resolveCommand(config, 'hv-status')).toEqual({ builtin: 'shell', preset: { argv: ['systemctl', 'status'], env: { SYSTEMD_PAGER: '' } } });
    expect(resolveCommand(config, 'hv-broadcast')?.builtin).toBe('notify');
  });

  it('resolveCommand answers undefined for a built-in or an unknown name, and for inherited names', () => {
    const { config } = check(SEED_COMMANDS);
    expect(resolveCommand(config, 'shell')).toBeUndefined();
    expect(resolveCommand(config, 'hv-query')).toBeUndefined();
    expect(resolveCommand(config, 'toString')).toBeUndefined();
    expect(resolveCommand(config, '__proto__')).toBeUndefined();
  });

  it('resolveCommand hands out a copy: changing it does not change the configuration', () => {
    const { config } = check(SEED_COMMANDS);
    const first = resolveCommand(config, 'hv-status');
    (first?.preset.argv as string[]).push('nginx');
    expect(resolveCommand(config, 'hv-status')?.preset.argv).toEqual(['systemctl', 'status']);
  });

  it('a named command cannot shadow a built-in', () => {
    const d = only(check('commands:\n  shell: { uses: shell, parameters: { run: "echo hi" } }\n'));
    expect(lines([d])).toEqual(["cairn.yaml:2:3: error CFG_SHADOWS_BUILTIN: commands.shell: 'shell' is a built-in command; a named command cannot take its name"]);
    expect(d.fix).toBe("rename it (e.g. 'my-shell') and use that name in your workflows");
  });

  it('`uses` must name a built-in: the error lists them, with a did-you-mean', () => {
    const d = only(check('commands:\n  hv-delegate: { uses: tsak }\n'));
    expect(lines([d])).toEqual(["cairn.yaml:2:24: error CFG_UNKNOWN_BUILTIN: commands.hv-delegate.uses: 'tsak' is not a built-in command. Did you mean 'task'?"]);
    expect(d.fix).toBe("the built-in commands are 'approval', 'gate', 'http', 'log', 'mcp', 'notify', 'recall', 'remember', 'shell', 'task', 'wait' and 'workflow'");
    expect(only(check('commands:\n  deploy: { uses: kubectl }\n')).message).toBe("commands.deploy.uses: 'kubectl' is not a built-in command");
  });

  it('a named command cannot use another named command', () => {
    const d = only(check('commands:\n  hv-delegate: { uses: task }\n  hv-urgent: { uses: hv-delegate, parameters: { priority: high } }\n'));
    expect(lines([d])).toEqual(["cairn.yaml:3:22: error CFG_NESTED_COMMAND: commands.hv-urgent.uses: 'hv-delegate' is a named command; a named command uses a built-in command directly"]);
    expect(d.fix).toBe("write `uses: task` and repeat the parameters of 'hv-delegate' you need");
  });

  it('`uses` is required; parameters must be a mapping', () => {
    expect(lines(check('commands:\n  a: { description: x }\n  b: { uses: log, parameters: [1] }\n').diagnostics)).toEqual([
      'cairn.yaml:2:6: error CFG_REQUIRED: commands.a.uses: a named command needs `uses`: the built-in command it stands for',
      'cairn.yaml:3:31: error CFG_TYPE: commands.b.parameters: expected a mapping of parameter names to values, found a list',
    ]);
  });

  it('the built-in names come from the caller', () => {
    const data = { commands: { 'hv-status': { uses: 'shell' } } };
    expect(validateConfig(data, { builtins: BUILTINS }).diagnostics).toEqual([]);
    expect(validateConfig(data, { builtins: ['log'] }).diagnostics.map((d) => d.code)).toEqual(['CFG_UNKNOWN_BUILTIN']);
  });
});

describe('mergeParameters: the step over the preset', () => {
  it("the step's value wins", () => {
    expect(mergeParameters({ assignee: 'ops', priority: 'low' }, { priority: 'high', task: 'backup database' })).toEqual({ assignee: 'ops', priority: 'high', task: 'backup database' });
  });

  it('plain mappings merge key by key, at any depth', () => {
    const preset = { env: { PAGER: 'cat', LANG: 'C' }, headers: { a: { x: 1, y: 2 } } };
    expect(mergeParameters(preset, { env: { LANG: 'C.UTF-8', TZ: 'UTC' }, headers: { a: { y: 3 } } })).toEqual({ env: { PAGER: 'cat', LANG: 'C.UTF-8', TZ: 'UTC' }, headers: { a: { x: 1, y: 3 } } });
  });

  it('lists, templates and other values replace the preset whole', () => {
    expect(mergeParameters({ argv: ['systemctl', 'status'] }, { argv: ['systemctl', 'status', 'nginx'] })).toEqual({ argv: ['systemctl', 'status', 'nginx'] });
    expect(mergeParameters({ env: { A: '1' } }, { env: '${{ parameters.env }}' })).toEqual({ env: '${{ parameters.env }}' });
    expect(mergeParameters({ env: { A: '1' } }, { env: null })).toEqual({ env: null });
  });

  it('changes neither input', () => {
    const preset = { env: { A: '1' }, argv: ['a'] };
    const step = { env: { B: '2' } };
    const merged = mergeParameters(preset, step);
    (merged.env as Record<string, string>).C = '3';
    (merged.argv as string[]).push('b');
    expect(preset).toEqual({ env: { A: '1' }, argv: ['a'] });
    expect(step).toEqual({ env: { B: '2' } });
  });

  it('a `__proto__` key is a plain key, never the prototype', () => {
    const step = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const merged = mergeParameters({}, step);
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
