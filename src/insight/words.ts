/*
 * Words for text relevance: lower case, split on anything not a letter or digit (any script), common
 * English words dropped, light suffix stripping so "alerts", "alerting" and "alerted"
 * meet, and a small operations thesaurus so "outage" also finds "incident".
 */

const STOP = new Set(
  'a an the and or but to of for in on at by with from into over about as is are was were be been being it its this that these those there here i we you he she they me us my our your their them what which who whom when where why how do does did done doing have has had can could should would will shall may might must not no nor so than too very just only also any all some each every other such own same few more most up down out off again then once now someone something everyone anyone need needs needed want wants please let get got make'
    .split(' '),
);

/**
 * Words that name one idea in operations, mapped to the word the templates use. Applied to
 * both sides (workflows and requests), after suffix stripping, as an extra term beside the
 * word itself: "threat" still matches "threat", and also "security".
 */
const SAME_IDEA: Record<string, string> = {
  outage: 'incident',
  paged: 'incident',
  failing: 'incident',
  broken: 'incident',
  sev1: 'incident',
  sev2: 'incident',
  pager: 'incident',
  breach: 'security',
  vulnerability: 'security',
  vuln: 'security',
  cve: 'security',
  intrusion: 'security',
  malware: 'security',
  phishing: 'security',
  threat: 'security',
  attack: 'security',
  configuration: 'config',
  setting: 'config',
  assign: 'delegate',
  handoff: 'delegate',
  hand: 'delegate',
  upgrade: 'maintenance',
  patch: 'maintenance',
  patching: 'maintenance',
  planned: 'maintenance',
  announce: 'broadcast',
  notify: 'broadcast',
  notification: 'broadcast',
  share: 'sharing',
  learn: 'knowledge',
  lesson: 'knowledge',
  discovery: 'knowledge',
  discover: 'knowledge',
  finding: 'knowledge',
  feature: 'development',
  implement: 'development',
  develop: 'development',
  coding: 'development',
  code: 'development',
  audit: 'compliance',
  credential: 'secret',
  password: 'secret',
  token: 'secret',
  socket: 'port',
  listen: 'port',
  bind: 'port',
  eaddrinuse: 'port',
};

const THESAURUS: Record<string, string> = Object.fromEntries(Object.entries(SAME_IDEA).map(([k, v]) => [stemOf(k), stemOf(v)]));

/** The terms of a text, in order, repeats kept (term frequency counts them). */
export function wordsOf(text: string): string[] {
  return termsOf(text).map((t) => t.term);
}

/** Each term with the word it came from, so reasons quote what the person wrote. */
export function termsOf(text: string): Array<{ term: string; word: string; related?: true }> {
  const out: Array<{ term: string; word: string; related?: true }> = [];
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 2 || STOP.has(raw)) continue;
    const stem = stemOf(raw);
    out.push({ term: stem, word: raw });
    const same = THESAURUS[stem];
    if (same !== undefined && same !== stem) out.push({ term: same, word: raw, related: true });
  }
  return out;
}

/** A light suffix stripper (not Porter): enough to meet plural and verb forms. */
export function stemOf(word: string): string {
  if (/^\d+$/.test(word) || word.length <= 3) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4) w = undouble(w.slice(0, -2));
  else if (w.endsWith('ment') && w.length > 7) w = w.slice(0, -4);
  else if (w.endsWith('ation') && w.length > 7) w = w.slice(0, -3);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(w) && !w.endsWith('ll') && !w.endsWith('ss') ? w.slice(0, -1) : w;
}
