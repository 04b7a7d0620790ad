import type { SuggestionModel } from './model.js';

/*
 * The sequence model: what comes after the commands someone just ran. Two sources, both
 * counted, never guessed: the workflows whose steps run those commands in that order (the
 * person is doing the workflow by hand), and the history of which workflow ran after
 * which.
 */

export interface SequenceMatch {
  score: number;
  reasons: string[];
}

/** Older commands count less: the last one fully, the one before it this much, ... */
const DECAY = 0.6;

export function sequenceMatches(model: SuggestionModel, recent: string[]): Map<number, SequenceMatch> {
  const out = new Map<number, SequenceMatch>();
  if (recent.length === 0) return out;
  const fromSteps = stepMatches(model, recent);
  const fromHistory = historyMatches(model, recent);
  for (const doc of new Set([...fromSteps.keys(), ...fromHistory.keys()])) {
    const a = fromSteps.get(doc);
    const b = fromHistory.get(doc);
    const score = 1 - (1 - (a?.score ?? 0)) * (1 - (b?.score ?? 0));
    out.set(doc, { score, reasons: [...(b?.reasons ?? []), ...(a?.reasons ?? [])] });
  }
  return out;
}

/** How telling a command is: one every workflow runs (`log`) says little. */
function commandWeight(model: SuggestionModel, command: string): number {
  const users = model.commandUsers.get(command)?.length ?? 0;
  return Math.log(1 + (model.entries.length + 1) / (users + 1));
}

/**
 * Each workflow whose steps run a tail of the recent commands back to back: the longer and
 * more telling the tail, and the more recent its end, the better. A match that leaves
 * nothing to run next counts half.
 */
function stepMatches(model: SuggestionModel, recent: string[]): Map<number, SequenceMatch> {
  const out = new Map<number, SequenceMatch>();
  const weights = recent.map((c) => commandWeight(model, c));
  const candidates = new Set<number>();
  for (const command of recent) for (const doc of model.commandUsers.get(command) ?? []) candidates.add(doc);
  for (const doc of candidates) {
    const commands = model.entries[doc]?.steps.map((s) => s.command) ?? [];
    let best: { score: number; from: number; to: number; at: number } | undefined;
    for (let end = recent.length - 1; end >= 0; end--) {
      const tailWeight = weights.slice(0, end + 1).reduce((a, b) => a + b, 0);
      for (let start = 0; start <= end; start++) {
        const at = indexOfRun(commands, recent.slice(start, end + 1));
        if (at < 0) continue;
        const matched = weights.slice(start, end + 1).reduce((a, b) => a + b, 0);
        const leftover = at + (end - start + 1) < commands.length ? 1 : 0.5;
        const score = (matched / tailWeight) * DECAY ** (recent.length - 1 - end) * leftover;
        if (!best || score > best.score) best = { score, from: start, to: end, at };
        break;
      }
    }
    if (!best) continue;
    const ran = recent.slice(best.from, best.to + 1);
    const next = commands[best.at + ran.length];
    const reason = next === undefined ? `its steps end with ${ran.join(', ')}` : `its steps run ${ran.join(', ')}, then ${next}`;
    out.set(doc, { score: best.score, reasons: [reason] });
  }
  return out;
}

/** Workflows that ran soon after the workflows named in the recent commands, as a share of the times. */
function historyMatches(model: SuggestionModel, recent: string[]): Map<number, SequenceMatch> {
  const out = new Map<number, SequenceMatch>();
  recent.forEach((name, position) => {
    const from = model.names.get(name.toLowerCase());
    if (from === undefined) return;
    const next = model.follows.get(from);
    if (!next) return;
    const total = [...next.values()].reduce((a, b) => a + b, 0);
    const weight = DECAY ** (recent.length - 1 - position);
    for (const [doc, count] of next) {
      // +1: one observation is a hint, not a habit.
      const score = (count / (total + 1)) * weight;
      const had = out.get(doc);
      if (had && had.score >= score) continue;
      const share = count / total;
      const reason = `${share >= 0.5 ? 'usually' : 'sometimes'} follows ${name} (${count} of ${total} time${total === 1 ? '' : 's'})`;
      out.set(doc, { score, reasons: [reason] });
    }
  });
  return out;
}

export function indexOfRun(haystack: string[], needle: string[]): number {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((c, j) => haystack[i + j] === c)) return i;
  }
  return -1;
}
