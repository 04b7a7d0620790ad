/**
 * The dependency rule between src/ folders (DESIGN.md "Architecture", STYLE.md §9),
 * checked by `npm run lint` (`depcruise src --config .dependency-cruiser.cjs`).
 *
 * Dependencies point inward, toward the pure core:
 *
 *   front doors  cli/ server/ mcp/  -> app/ only (+ engine/types.ts, type-only)
 *   app/         the application API -> anything below it, never a front door
 *   runtime/     -> engine, store, actions, expressions, definition
 *   config/      -> engine (types), definition (reading, durations, diagnostics); app/ reads it
 *   definition/  -> engine, expressions
 *   actions/     -> engine, expressions
 *   store/       -> engine
 *   expressions/ -> nothing else in src/
 *   engine/      -> nothing else in src/ (the functional core)
 *   insight/     -> engine (types): pure ranking; app/ feeds it from the store
 *
 * Each folder may always import its own files. Folders not listed (e.g. a later insight/)
 * are free except that nobody outside a front door may import it: front doors only
 * translate, so business logic that two of them need belongs in app/.
 *
 * Also enforced: no import cycles (type-only cycles are erased by tsc and allowed), no
 * runtime import of a devDependency from src/, no npm package missing from package.json,
 * and no import that cannot be resolved. The last one guards the rule itself: an import
 * dependency-cruiser cannot resolve would otherwise slip past every layer rule.
 */

/** Inner layers and the only other src/ folders each may import. */
const LAYERS = {
  engine: [],
  expressions: [],
  store: ['engine'],
  definition: ['engine', 'expressions'],
  actions: ['engine', 'expressions'],
  runtime: ['engine', 'store', 'actions', 'expressions', 'definition'],
  config: ['engine', 'definition'],
  webhooks: ['engine', 'store'],
  observability: ['engine', 'store', 'actions', 'runtime'],
  triggers: ['engine', 'expressions', 'definition', 'webhooks'],
  insight: ['engine'],
};

const FRONT_DOORS = ['cli', 'server', 'mcp'];

/** The one crossing between front doors: `cairn serve` (and later `cairn mcp`) starts the other door. */
const CLI_LAUNCHES = '^src/(server|mcp)/serve\\.ts$';

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `${layer}-layer`,
  comment:
    `src/${layer} may depend only on itself` +
    (allowed.length > 0 ? ` and on ${allowed.map((a) => `src/${a}`).join(', ')}` : '') +
    ' (see the header of .dependency-cruiser.cjs).',
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: `^src/(${[layer, ...allowed].join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'app-not-to-front-doors',
      comment: 'src/app is the application API the front doors call; it must not call them back.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: `^src/(${FRONT_DOORS.join('|')})/` },
    },
    {
      name: 'front-door-only-to-app',
      comment:
        'Front doors (cli, server, mcp) only translate: they call src/app and their own ' +
        'folder, plus the domain types in src/engine/types.ts.',
      severity: 'error',
      from: { path: `^src/(${FRONT_DOORS.join('|')})/` },
      to: { path: '^src/', pathNot: ['^src/$1/', '^src/app/', '^src/engine/types\\.ts$', CLI_LAUNCHES] },
    },
    {
      name: 'front-door-types-only-from-engine',
      comment: 'A front door may import src/engine/types.ts for its types only (`import type`).',
      severity: 'error',
      from: { path: `^src/(${FRONT_DOORS.join('|')})/` },
      to: { path: '^src/engine/types\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nobody-to-front-doors',
      comment: 'Nothing depends on a front door except the front door itself.',
      severity: 'error',
      // $1 is the importer's top folder (or file) under src/, so a door may import itself.
      from: { path: '^src/([^/]+)' },
      to: { path: `^src/(${FRONT_DOORS.join('|')})/`, pathNot: ['^src/$1/', CLI_LAUNCHES] },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles make load order fragile; invert one of the dependencies.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'src/ ships to users, who install without devDependencies: move the package to ' +
        '"dependencies" or import it only in tests.',
      severity: 'error',
      from: { path: '^src/' },
      to: {
        dependencyTypes: ['npm-dev'],
        dependencyTypesNot: ['type-only'],
        pathNot: ['node_modules/@types/'],
      },
    },
    {
      name: 'no-non-package-json',
      comment: 'This npm package is not in package.json: add it to "dependencies".',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'This import cannot be resolved to a file (relative imports end in .js, NodeNext).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // See `import type` edges too: a type-only import still couples two layers.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
