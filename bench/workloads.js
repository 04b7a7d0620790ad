// Workflow texts for the benchmark workloads (W1-W3 of issue 2).

/** W1: a chain of `n` no-op steps: each waits for the previous one. */
export function chain(n, command = 'log') {
  const steps = [];
  for (let i = 0; i < n; i++) {
    steps.push(`  - id: s${i}\n    command: ${command}\n${params(command)}${i > 0 ? `    depends_on: [s${i - 1}]\n` : ''}`);
  }
  return `name: chain\nsteps:\n${steps.join('')}`;
}

/** W2: `n` independent no-op steps, then one join that depends on all of them. */
export function fanIn(n, command = 'log') {
  const steps = [];
  for (let i = 0; i < n; i++) steps.push(`  - id: s${i}\n    command: ${command}\n${params(command)}`);
  steps.push(`  - id: join\n    command: log\n    parameters: { message: done }\n    depends_on: [${Array.from({ length: n }, (_, i) => `s${i}`).join(', ')}]\n`);
  return `name: fan-in\nsteps:\n${steps.join('')}`;
}

function params(command) {
  return command === 'shell' ? '    parameters: { argv: ["true"] }\n' : '    parameters: { message: "" }\n';
}
