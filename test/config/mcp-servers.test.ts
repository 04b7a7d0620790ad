import { describe, expect, it } from 'vitest';
import { check, lines } from './support.js';

describe('mcp_servers: the MCP servers of `mcp` steps', () => {
  it('a stdio server (an exact argv) and a Streamable HTTP server, with ${env:NAME} resolved', () => {
    const { config, diagnostics } = check(
      [
        'mcp_servers:',
        '  files:',
        '    command: [npx, -y, "@modelcontextprotocol/server-filesystem", /data]',
        '    env: { TOKEN: "${env:FILES_TOKEN}", DEBUG: 1 }',
        '    cwd: servers',
        '    description: The shared drive.',
        '  search:',
        '    url: https://mcp.example.com/mcp',
        '    headers: { Authorization: "Bearer ${env:SEARCH_TOKEN}" }',
        '',
      ].join('\n'),
      { FILES_TOKEN: 'f-123', SEARCH_TOKEN: 's-456' },
    );
    expect(diagnostics).toEqual([]);
    expect(config.mcpServers).toEqual({
      files: { command: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/data'], env: { TOKEN: 'f-123', DEBUG: '1' }, cwd: '/etc/cairn/servers', description: 'The shared drive.' },
      search: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer s-456' } },
    });
    expect(config.reserved).toEqual({});
  });

  it("a stdio server runs in the configuration file's directory unless it says otherwise", () => {
    const { config } = check('mcp_servers:\n  calc: { command: [node, calc.mjs] }\n');
    expect(config.mcpServers.calc).toEqual({ command: ['node', 'calc.mjs'], env: {}, cwd: '/etc/cairn' });
  });

  it('the url itself may come from the environment, and must still be http(s)', () => {
    expect(check('mcp_servers:\n  s: { url: "${env:MCP_URL}" }\n', { MCP_URL: 'https://x.example/mcp' }).config.mcpServers.s).toEqual({ url: 'https://x.example/mcp', headers: {} });
    expect(lines(check('mcp_servers:\n  s: { url: "${env:MCP_URL}" }\n', { MCP_URL: 'file:///etc/passwd' }).diagnostics)).toEqual([
      'cairn.yaml:2:14: error CFG_TYPE: mcp_servers.s.url: after resolving ${env:...} the value is not an http:// or https:// URL',
    ]);
  });

  it('a missing variable is an error naming it', () => {
    expect(lines(check('mcp_servers:\n  s:\n    command: [srv]\n    env: { TOKEN: "${env:NOPE}" }\n').diagnostics)).toEqual([
      'cairn.yaml:4:20: error CFG_ENV_MISSING: mcp_servers.s.env.TOKEN: reads the environment variable NOPE, which is not set',
    ]);
  });

  it('the command line is not resolved (a secret in argv is visible to every user): a warning', () => {
    const result = check('mcp_servers:\n  s: { command: [srv, "--token=${env:T}"] }\n', { T: 'x' });
    expect(lines(result.diagnostics)).toEqual([expect.stringContaining('warning CFG_ENV_NOT_RESOLVED: mcp_servers.s.command[1]')]);
    expect(result.config.mcpServers.s).toMatchObject({ command: ['srv', '--token=${env:T}'] });
  });

  it.each([
    ['a shell string instead of a list', 'mcp_servers:\n  s: { command: "npx -y server" }\n', 'cairn.yaml:2:17: error CFG_TYPE: mcp_servers.s.command: expected a list: the program and its arguments, e.g. [npx, -y, my-server] (run without a shell), found \'npx -y server\' (a string)'],
    ['an empty command', 'mcp_servers:\n  s: { command: [] }\n', 'cairn.yaml:2:17: error CFG_TYPE: mcp_servers.s.command: must not be empty'],
    ['neither command nor url', 'mcp_servers:\n  s: { description: nothing }\n', 'cairn.yaml:2:6: error CFG_TYPE: mcp_servers.s: a server needs `command` (a stdio program, e.g. [npx, -y, my-server]) or `url` (a Streamable HTTP endpoint)'],
    ['both', 'mcp_servers:\n  s: { command: [a], url: "https://x.example" }\n', 'cairn.yaml:2:27: error CFG_TYPE: mcp_servers.s.url: a server has either `command` (stdio) or `url` (Streamable HTTP), not both'],
    ['env on a url', 'mcp_servers:\n  s: { url: "https://x.example", env: { A: b } }\n', 'cairn.yaml:2:39: error CFG_TYPE: mcp_servers.s.env: `env` applies to a stdio server (one with `command`), not to a url'],
    ['headers on a command', 'mcp_servers:\n  s: { command: [a], headers: { A: b } }\n', 'cairn.yaml:2:31: error CFG_TYPE: mcp_servers.s.headers: `headers` applies to a Streamable HTTP server (one with `url`), not to a command'],
    ['a url that is not http', 'mcp_servers:\n  s: { url: "ftp://x.example" }\n', 'cairn.yaml:2:13: error CFG_TYPE: mcp_servers.s.url: expected an http:// or https:// URL, or a ${env:NAME} reference'],
    ['a misspelt key', 'mcp_servers:\n  s: { comand: [a] }\n', "cairn.yaml:2:8: error CFG_UNKNOWN_KEY: mcp_servers.s: unknown key 'comand'. Did you mean 'command'?"],
    ['a bad variable name', 'mcp_servers:\n  s: { command: [a], env: { 1X: b } }\n', "cairn.yaml:2:29: error CFG_NAME: mcp_servers.s.env.1X: an environment variable name is letters, digits and _, not starting with a digit, found '1X'"],
  ])('%s is an error with its place', (_what, text, expected) => {
    const found = lines(check(text).diagnostics);
    expect(found).toContain(expected);
  });
});
