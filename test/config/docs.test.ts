import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DIAGNOSTIC_CODES, CONFIG_ENVIRONMENT } from '../../src/config/index.js';
import { check, lines } from './support.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('lists every configuration diagnostic code', () => {
    for (const code of Object.keys(CONFIG_DIAGNOSTIC_CODES)) expect(doc, code).toContain(`| \`${code}\` |`);
  });

  it('lists every environment variable that overrides the file', () => {
    for (const [variable, key] of Object.entries(CONFIG_ENVIRONMENT)) expect(doc, variable).toContain(`| \`${variable}\` | \`${key}\` |`);
  });

  it('every YAML example is a valid configuration', () => {
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) expect(lines(check(example, { PAGER_TOKEN: 't', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x', FILES_TOKEN: 't', SEARCH_TOKEN: 't' }).diagnostics), example).toEqual([]);
  });
});
