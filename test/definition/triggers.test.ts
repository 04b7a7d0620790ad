import { describe, expect, it } from 'vitest';
import { workflowJsonSchema } from '../../src/definition/index.js';
import { check, parse, yaml } from './support.js';

const steps = ['steps:', '  - id: a', '    command: log', '    parameters: {message: hi}'];
const params = ['parameters:', '  mode: {type: string, enum: [nightly, weekly]}', '  count: {type: integer, default: 1}', '  service: {type: string, default: web}'];
const shown = (ds: { line?: number; col?: number; code: string; message: string }[]) => ds.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);

describe('triggers: the format', () => {
  it('normalizes cron and webhook triggers onto the workflow, not into extras', () => {
    const parsed = parse(
      yaml(
        'name: nightly',
        ...params,
        'triggers:',
        '  - cron: "0 3 * * *"',
        '    timezone: Europe/Berlin',
        '    parameters: {mode: nightly}',
        '  - webhook:',
        '      secret: ${env:DEPLOY_HOOK_SECRET}',
        '    parameters:',
        '      mode: weekly',
        '      service: "${{ body.repository.name }}"',
        ...steps,
      ),
    );
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.workflow!.triggers).toEqual([
      { kind: 'cron', cron: '0 3 * * *', timezone: 'Europe/Berlin', parameters: { mode: 'nightly' } },
      { kind: 'webhook', secret: '${env:DEPLOY_HOOK_SECRET}', parameters: { mode: 'weekly', service: '${{ body.repository.name }}' } },
    ]);
    expect(parsed.workflow!.extras).toEqual({});
  });

  it('a workflow without triggers has none', () => {
    expect(parse(yaml('name: x', ...steps)).workflow!.triggers).toBeUndefined();
  });

  it('refuses shapes that are neither cron nor webhook, with positions', () => {
    const ds = parse(
      yaml(
        'name: x',
        'triggers:',
        '  - webhook: {}',
        '  - {}',
        '  - cron: "* * * * *"',
        '    webhook: {secret: "${env:A}"}',
        '  - webhook: {secret: "${env:A}"}',
        '    timezone: UTC',
        '  - cron: 5',
        '  - cron: "* * * * *"',
        '    schedule: daily',
        ...steps,
      ),
    ).diagnostics;
    expect(shown(ds)).toEqual([
      '3:14 DEF_REQUIRED triggers[0].webhook.secret: a webhook trigger needs a secret: `secret: ${env:NAME}` naming the environment variable that holds it (whsec_...)',
      '4:5 DEF_TYPE triggers[1]: a trigger needs `cron:` (a schedule) or `webhook:` (signed messages)',
      '5:5 DEF_TYPE triggers[2]: a trigger is either `cron:` or `webhook:`, not both: write two triggers',
      '8:15 DEF_TYPE triggers[3].timezone: `timezone` only applies to a cron trigger',
      '9:11 DEF_TYPE triggers[4].cron: expected a cron expression such as "0 3 * * *", found 5 (a number)',
      "11:5 DEF_UNKNOWN_KEY triggers[5].schedule: unknown key 'schedule'",
    ]);
    expect(parse(yaml('name: x', 'triggers: {cron: "* * * * *"}', ...steps)).diagnostics.map((d) => d.message)).toEqual([
      'triggers: expected a list of triggers such as [{cron: "0 3 * * *"}], found a mapping',
    ]);
  });

  it('is in the JSON Schema: a list of objects that have cron or webhook', () => {
    const schema = workflowJsonSchema() as { properties: { triggers: { items: { oneOf: unknown[]; properties: Record<string, { description?: string }> } } } };
    const item = schema.properties.triggers.items;
    expect(item.oneOf).toEqual([{ required: ['cron'] }, { required: ['webhook'] }]);
    for (const key of ['cron', 'timezone', 'webhook', 'parameters']) expect(item.properties[key]?.description, key).toBeTruthy();
  });
});

describe('triggers: validation', () => {
  it('accepts good triggers at every level', async () => {
    const text = yaml(
      'name: x',
      'timeout_seconds: 60',
      ...params,
      'triggers:',
      '  - cron: "0 3 * * *"',
      '    parameters: {mode: nightly}',
      '  - cron: "*/10 * * * * *"',
      '    timezone: America/New_York',
      '    parameters: {mode: weekly, count: 3}',
      '  - cron: "@daily"',
      '    parameters: {mode: nightly}',
      '  - webhook: {secret: "${env:HOOK_SECRET}"}',
      '    parameters:',
      '      mode: "${{ body.mode }}"',
      '      service: "svc-${{ body.repository.name }}"',
      '      count: "${{ $number(headers.`x-count`) }}"',
      ...steps,
    );
    for (const level of ['basic', 'standard', 'strict', 'paranoid'] as const) expect(await check(text, level), level).toEqual([]);
  });

  it('reports a bad cron expression, one that never fires, and a ? that would drift', async () => {
    const ds = await check(
      yaml('name: x', 'triggers:', '  - cron: "61 * * * *"', '  - cron: "0 0 30 2 *"', '  - cron: "* * *"', '  - cron: "0 3 * * ?"', '  - cron: "0 3 * * mon-fry"', ...steps),
      'basic',
    );
    expect(shown(ds)).toEqual([
      "3:11 DEF_CRON '61 * * * *' is not a valid cron expression: Invalid value for minute: 61",
      "4:11 DEF_CRON '0 0 30 2 *' never fires (no such date before the year 3000)",
      "5:11 DEF_CRON '* * *' is not a valid cron expression: invalid configuration format ('* * *'), exactly five or six space separated parts are required.",
      '6:20 DEF_CRON \'?\' in a cron expression means "the time when the definition is read", which changes each time Cairn reads it',
      "7:11 DEF_CRON '0 3 * * mon-fry' is not a valid cron expression: configuration entry 5 (1-fry) contains illegal characters.",
    ]);
    expect(ds[0]!.fix).toContain('"0 3 * * *"');
  });

  it('reports an unknown time zone, with the likely one', async () => {
    const ds = await check(yaml('name: x', 'triggers:', '  - cron: "0 3 * * *"', '    timezone: Europe/Berln', '  - cron: "0 3 * * *"', '    timezone: Mars/Olympus', ...steps), 'basic');
    expect(shown(ds)).toEqual(["4:15 DEF_TIMEZONE unknown time zone 'Europe/Berln'. Did you mean 'Europe/Berlin'?", "6:15 DEF_TIMEZONE unknown time zone 'Mars/Olympus'"]);
    expect(ds[0]!.fix).toBe('timezone: Europe/Berlin');
  });

  it('checks the parameters a cron trigger passes against the declared ones', async () => {
    const ds = await check(
      yaml('name: x', ...params, 'triggers:', '  - cron: "0 3 * * *"', '    parameters: {mode: hourly, count: "x", bogus: 1, servce: api}', '  - cron: "0 4 * * *"', '  - cron: "0 5 * * *"', '    parameters: {mode: "${{ body.mode }}"}', ...steps),
      'basic',
    );
    expect(shown(ds)).toEqual([
      `8:24 DEF_TRIGGER_PARAMETER this cron trigger passes 'hourly' (a string) as parameter 'mode', which allows only "nightly", "weekly"`,
      "8:39 DEF_TRIGGER_PARAMETER this cron trigger passes 'x' (a string) as parameter 'count', but the parameter is an integer",
      "8:51 DEF_TRIGGER_PARAMETER this cron trigger passes parameter 'bogus', which the workflow does not declare; it declares 'mode', 'count' and 'service'.",
      "8:62 DEF_TRIGGER_PARAMETER this cron trigger passes parameter 'servce', which the workflow does not declare; it declares 'mode', 'count' and 'service'. Did you mean 'service'?",
      "9:5 DEF_TRIGGER_PARAMETER this cron trigger does not pass the required parameter 'mode', so every run it starts would be refused",
      "11:24 DEF_TEMPLATE_NOT_ALLOWED a cron trigger's parameters are fixed values; 'mode' holds a ${{ }} template, which only webhook triggers render",
    ]);
    expect(ds[3]!.fix).toBe("rename it to 'service'");
  });

  it('wants a webhook secret from the environment, never written in the file', async () => {
    const ds = await check(
      yaml('name: x', 'triggers:', '  - webhook: {secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}', '  - webhook: {secret: "prefix-${env:A}"}', '  - webhook: {secret: "${env:1A}"}', '  - webhook: {secret: " ${env:HOOK} "}', ...steps),
      'basic',
    );
    expect(shown(ds)).toEqual([
      '3:23 DEF_TRIGGER_SECRET a webhook secret must not be written in the definition (definitions are stored and shown to whoever may read workflows): name the environment variable that holds it',
      '4:23 DEF_TRIGGER_SECRET a webhook secret is exactly one ${env:NAME} reference, with nothing around it',
      '5:23 DEF_TRIGGER_SECRET a webhook secret is exactly one ${env:NAME} reference, with nothing around it',
    ]);
    // The secret itself is never repeated in a message.
    expect(JSON.stringify(ds)).not.toContain('MfKQ9r8');
  });

  it("checks a webhook trigger's templates: they compile and read only body and headers", async () => {
    const ds = await check(
      yaml(
        'name: x',
        ...params,
        'triggers:',
        '  - webhook: {secret: "${env:HOOK}"}',
        '    parameters:',
        '      mode: "${{ body.mode + }}"',
        '      service: "${{ parameters.service }}"',
        '      count: "n=${{ body.count }}"',
        '  - webhook: {secret: "${env:HOOK}"}',
        '    parameters:',
        '      mode: "${{ body.mode"',
        '      service: "${{ bdy.name }}"',
        ...steps,
      ),
      'basic',
    );
    expect(shown(ds)).toEqual([
      '9:29 DEF_BAD_EXPRESSION the template in triggers[0].parameters.mode: Unexpected end of expression',
      "10:21 DEF_UNKNOWN_NAME the template in triggers[0].parameters.service reads 'parameters'; a webhook trigger's templates read 'body' and 'headers' (the JSON payload and the request headers).",
      "11:14 DEF_TRIGGER_PARAMETER this webhook trigger passes text with a template in it as parameter 'count', which makes a string, but the parameter is an integer",
      "14:14 DEF_BAD_EXPRESSION the template in triggers[1].parameters.mode: unterminated template: '${{' has no matching '}}'",
      "15:21 DEF_UNKNOWN_NAME the template in triggers[1].parameters.service reads 'bdy'; a webhook trigger's templates read 'body' and 'headers' (the JSON payload and the request headers). Did you mean 'body'?",
    ]);
  });

  it('a webhook trigger must map every required parameter', async () => {
    const ds = await check(yaml('name: x', ...params, 'triggers:', '  - webhook: {secret: "${env:HOOK}"}', ...steps), 'basic');
    expect(shown(ds)).toEqual(["7:5 DEF_TRIGGER_PARAMETER this webhook trigger does not pass the required parameter 'mode', so every run it starts would be refused"]);
    expect(ds[0]!.fix).toBe('parameters: { mode: "${{ body.mode }}" }');
  });
});
