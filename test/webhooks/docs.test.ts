import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/event-types.js';

const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');

describe('docs/webhooks.md', () => {
  it('lists every event type a webhook can subscribe to', () => {
    for (const type of WEBHOOK_EVENT_TYPES) expect(doc, type).toMatch(new RegExp(`\`${type.replace('.', '\\.')}\``));
  });
});
