import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/app/definitions.js';
import { validateFile } from '../../src/app/validate.js';
import { ECHO_SERVER, eventually, isAlive } from '../actions/mcp-support.js';
import { Workspace } from './workspace.js';

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

/** A workspace whose cairn.yaml configures the echo test server as `calc` (and `extra` servers). */
function workspace(extra = ''): Workspace {
  ws = new Workspace();
  ws.file(
    'cairn.yaml',
    `mcp_servers:\n  calc:\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(ECHO_SERVER)}]\n    env: { MCP_STARTS_FILE: "\${env:STARTS}" }\n${extra}`,
  );
  process.env.STARTS = join(ws.dir, 'starts');
  return ws;
}

function starts(): number[] {
  const file = join(ws.dir, 'starts');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

describe('workflows with mcp steps', () => {
  it('an mcp step calls a tool; its structured result feeds downstream templates', async () => {
    const cairn = await workspace().open();
    const file = ws.file(
      'calc.yaml',
      `
name: calc
parameters:
  x: { type: number, default: 2 }
steps:
  - id: calc
    command: mcp
    parameters:
      server: calc
      tool: add
      arguments: { a: "\${{ parameters.x }}", b: 3 }
  - id: say
    command: mcp
    depends_on: [calc]
    parameters:
      server: calc
      tool: echo
      arguments: { text: "sum=\${{ steps.calc.outputs.result.sum }}" }
outputs:
  total: "\${{ steps.calc.outputs.result.sum }}"
`,
    );
    const run = await cairn.startRun({ file, parameters: { x: 40 } });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    expect(final?.outputs).toEqual({ total: 43 });
    const steps = Object.fromEntries((await cairn.getRun(run.id)).steps.map((s) => [s.key, s]));
    expect(steps.calc?.outputs).toEqual({ result: { sum: 43 }, text: '43' });
    expect(steps.say?.outputs).toEqual({ result: null, text: 'sum=43' });
    // Validation and both steps used one connection: the server started once.
    expect(starts()).toHaveLength(1);
  });

  it('a tool error fails the step (and the run) with the tool\'s text', async () => {
    const cairn = await workspace().open();
    const file = ws.file('fail.yaml', 'name: fail\nsteps:\n  - id: boom\n    command: mcp\n    parameters: { server: calc, tool: fail, arguments: { message: "quota exceeded" } }\n');
    const run = await cairn.startRun({ file });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('failed');
    const [step] = (await cairn.getRun(run.id)).steps;
    expect(step?.error?.code).toBe('MCP_TOOL_ERROR');
    expect(step?.error?.message).toBe("MCP tool 'calc/fail' failed: quota exceeded");
  });

  it('retries apply: a server that cannot start fails each attempt with MCP_UNAVAILABLE', async () => {
    const cairn = await workspace(`  down:\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(ECHO_SERVER)}]\n    env: { MCP_FAIL_AT_START: "maintenance", MCP_STARTS_FILE: "\${env:STARTS}" }\n`).open();
    const file = ws.file('down.yaml', 'name: down\nsteps:\n  - id: call\n    command: mcp\n    retry: { max_attempts: 2, initial_delay: 10ms }\n    parameters: { server: down, tool: add, arguments: { a: 1, b: 1 } }\n');
    const run = await cairn.startRun({ file });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('failed');
    const [step] = (await cairn.getRun(run.id)).steps;
    expect(step?.attempts).toBe(2);
    expect(step?.error?.code).toBe('MCP_UNAVAILABLE');
    expect(step?.error?.message).toContain('maintenance');
  });

  it('closing Cairn closes the pooled connections: the server process exits', async () => {
    const cairn = await workspace().open();
    const file = ws.file('info.yaml', 'name: info\nsteps:\n  - id: info\n    command: mcp\n    parameters: { server: calc, tool: info }\n');
    const run = await cairn.startRun({ file });
    await cairn.waitFor(run.id);
    const pid = ((await cairn.getRun(run.id)).steps[0]?.outputs?.result as { pid: number }).pid;
    expect(isAlive(pid)).toBe(true);
    await cairn.close();
    await eventually(() => !isAlive(pid), 'the MCP server to exit');
  });
});

describe('validating mcp steps (standard level asks the server)', () => {
  const validate = async (yaml: string, level: 'basic' | 'standard' | 'paranoid' = 'standard') => {
    ws.file('wf.yaml', yaml);
    const report = await validateFile('wf.yaml', level, { cwd: ws.dir });
    // Diagnostics name the file by its full path.
    return { report, lines: report.diagnostics.map((d) => formatDiagnostic(d).split('\n')[0]?.replace(`${ws.dir}/`, '')) };
  };

  it('an unknown server is an error with its place and a did-you-mean', async () => {
    workspace();
    const { report, lines } = await validate('name: v\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: clac, tool: add }\n');
    expect(report.valid).toBe(false);
    expect(lines).toEqual(["wf.yaml:5:27: error DEF_UNKNOWN_MCP_SERVER: step 'a' calls MCP server 'clac', which the configuration does not have. Did you mean 'calc'? (configured servers: 'calc')"]);
    expect(report.diagnostics[0]?.fix).toBe('server: calc');
  });

  it('an unknown tool is an error with its place, a did-you-mean and the tools it has', async () => {
    workspace();
    const { report, lines } = await validate('name: v\nsteps:\n  - id: a\n    command: mcp\n    parameters:\n      server: calc\n      tool: ad\n');
    expect(report.valid).toBe(false);
    expect(lines).toEqual(["wf.yaml:7:13: error DEF_UNKNOWN_MCP_TOOL: step 'a': MCP server 'calc' has no tool 'ad'. Did you mean 'add'? Its tools: 'add', 'echo', 'fail', 'info', 'setting' and 'slow'"]);
  });

  it("arguments are checked against the tool's input schema, each problem at its place", async () => {
    workspace();
    const { report, lines } = await validate(
      [
        'name: v',
        'steps:',
        '  - id: a',
        '    command: mcp',
        '    parameters:',
        '      server: calc',
        '      tool: add',
        '      arguments:',
        '        a: "two"',
        '        extra: 3',
        '',
      ].join('\n'),
    );
    expect(report.valid).toBe(false);
    expect(lines).toEqual(
      expect.arrayContaining([
        "wf.yaml:9:9: error DEF_MCP_ARGUMENTS: step 'a': arguments of tool 'add' on MCP server 'calc': missing required argument 'b'",
        "wf.yaml:9:12: error DEF_MCP_ARGUMENTS: step 'a': arguments of tool 'add' on MCP server 'calc': 'a' must be number",
        "wf.yaml:10:9: warning DEF_MCP_ARGUMENTS: step 'a': arguments of tool 'add' on MCP server 'calc': 'extra' is not one of the tool's arguments, so the server will probably ignore it. The tool takes 'a' and 'b'",
      ]),
    );
    expect(lines).toHaveLength(3);
    const typo = await validate('name: v\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: calc, tool: echo, arguments: { text: hi, time: 2 } }\n');
    expect(typo.report.valid).toBe(true);
    const closed = await validate('name: v\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: calc, tool: setting, arguments: { level: medium, levl: low } }\n');
    expect(closed.lines).toEqual([
      `wf.yaml:5:68: error DEF_MCP_ARGUMENTS: step 'a': arguments of tool 'setting' on MCP server 'calc': 'level' must be one of ["low","high"]`,
      "wf.yaml:5:76: error DEF_MCP_ARGUMENTS: step 'a': arguments of tool 'setting' on MCP server 'calc': unknown argument 'levl'. Did you mean 'level'? The tool takes 'level'",
    ]);
    expect(typo.lines).toEqual([expect.stringContaining("warning DEF_MCP_ARGUMENTS: step 'a': arguments of tool 'echo' on MCP server 'calc': 'time' is not one of the tool's arguments, so the server will probably ignore it. Did you mean 'times'?")]);
  });

  it('templated values are checked when the step starts; the literal parts now', async () => {
    workspace();
    const ok = await validate('name: v\nparameters:\n  n: { type: number, default: 1 }\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: calc, tool: add, arguments: { a: "${{ parameters.n }}", b: 2 } }\n');
    expect(ok.lines).toEqual([]);
    expect(ok.report.valid).toBe(true);
    const missing = await validate('name: v\nparameters:\n  n: { type: number, default: 1 }\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: calc, tool: add, arguments: { a: "${{ parameters.n }}" } }\n');
    expect(missing.lines).toEqual([expect.stringContaining("missing required argument 'b'")]);
    const whole = await validate('name: v\nparameters:\n  args: { type: object, default: {} }\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: calc, tool: "${{ \'add\' }}", arguments: "${{ parameters.args }}" }\n');
    expect(whole.report.valid).toBe(true);
  });

  it('a server that cannot be reached: a warning at standard, an error at paranoid', async () => {
    workspace(`  down:\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(ECHO_SERVER)}]\n    env: { MCP_FAIL_AT_START: "maintenance" }\n`);
    const yaml = 'name: v\nsteps:\n  - id: a\n    command: mcp\n    timeout_seconds: 30\n    parameters: { server: down, tool: add }\n';
    const standard = await validate(yaml);
    expect(standard.report.valid).toBe(true);
    expect(standard.lines).toEqual([expect.stringMatching(/^wf\.yaml:6:27: warning DEF_MCP_UNREACHABLE: MCP server 'down' \(used by 'a'\) could not be reached to check its tools: cannot connect/)]);
    const paranoid = await validate(yaml, 'paranoid');
    expect(paranoid.report.valid).toBe(false);
    expect(paranoid.lines).toContainEqual(expect.stringMatching(/error DEF_MCP_UNREACHABLE/));
  });

  it('basic level does not look at servers; a workflow without mcp steps starts none', async () => {
    workspace();
    expect((await validate('name: v\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: clac, tool: ad }\n', 'basic')).report.valid).toBe(true);
    expect((await validate('name: v\nsteps:\n  - id: a\n    command: log\n    parameters: { message: hi }\n', 'paranoid')).report.valid).toBe(true);
    expect(starts()).toEqual([]);
  });

  it('validation outside a run closes the connection it opened (the server exits)', async () => {
    workspace();
    const { report } = await validate('name: v\nsteps:\n  - id: a\n    command: mcp\n    parameters: { server: calc, tool: add, arguments: { a: 1, b: 2 } }\n');
    expect(report.valid).toBe(true);
    const [pid] = starts();
    expect(pid).toBeDefined();
    await eventually(() => !isAlive(pid as number), 'the MCP server to exit');
  });
});
