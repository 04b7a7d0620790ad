import type { Plan } from './api';

/** The dry run's answer: the stages in order, the steps of a stage starting together. */
export function PlanView({ plan }: { plan: Plan }) {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  return (
    <section className="panel designer-plan" aria-labelledby="designer-plan-title">
      <h2 id="designer-plan-title">Dry run: {plan.workflow.id}</h2>
      <p className="hint">
        {plan.order.length} step{plan.order.length === 1 ? '' : 's'} in {plan.groups.length} stage{plan.groups.length === 1 ? '' : 's'}; the steps of a stage may run in parallel.
        {plan.maxParallel !== undefined ? ` At most ${plan.maxParallel} at once.` : ''}
        {' '}Order: <span className="mono">{plan.order.join(' → ')}</span>
      </p>
      <ol className="designer-stages">
        {plan.groups.map((group, i) => (
          <li key={i}>
            <strong>Stage {i + 1}</strong>
            {group.length > 1 ? ` (${group.length} in parallel)` : ''}
            <ul>
              {group.map((id) => {
                const step = byId.get(id);
                return (
                  <li key={id}>
                    <span className="mono">{id}</span> runs <span className="mono">{step?.command}</span>
                    {step && step.dependsOn.length > 0 ? `, after ${step.dependsOn.join(', ')}` : ''}
                    {step?.condition ? `, if ${step.condition.expression}` : ''}
                    {step && step.maxAttempts > 1 ? `, up to ${step.maxAttempts} attempts` : ''}
                  </li>
                );
              })}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}
