import { workflowSchema } from '../../app/validate.js';

export default async function schema(): Promise<number> {
  process.stdout.write(`${JSON.stringify(workflowSchema(), null, 2)}\n`);
  return 0;
}
