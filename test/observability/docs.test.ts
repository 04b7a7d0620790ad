import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_LEVELS, METRIC_NAMES, REDACTED_PATHS } from '../../src/observability/index.js';
import { check, lines } from '../config/support.js';

const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8');

describe('docs/observability.md', () => {
  it('lists every metric Cairn registers', () => {
    for (const name of Object.values(METRIC_NAMES)) expect(doc, name).toContain(`| \`${name}\` |`);
  });

  it('names every log level and every redacted field', () => {
    for (const level of LOG_LEVELS) expect(doc).toContain(`\`${level}\``);
    for (const field of new Set(REDACTED_PATHS.filter((p) => !/[.[]/.test(p)))) expect(doc, field).toContain(`\`${field}\``);
  });

  it('every YAML example is a valid configuration', () => {
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const example of examples) expect(lines(check(example).diagnostics), example).toEqual([]);
  });
});
