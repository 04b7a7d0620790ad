// ESLint 9 flat config. Syntax-only typescript-eslint rules (no type information), so
// `npm run lint` stays fast; tsc does the type checking.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The globals of the Node.js running ESLint, so JS files (bin/, bench/, scripts/) get
// `no-undef` without another dependency; CommonJS names for .cjs files and bin/.
const nodeGlobals = Object.fromEntries(
  Object.getOwnPropertyNames(globalThis).map((name) => [name, 'readonly']),
);
const commonJsGlobals = {
  module: 'writable',
  exports: 'writable',
  require: 'readonly',
  __dirname: 'readonly',
  __filename: 'readonly',
};

// STYLE.md: domain nouns, not Manager/Service/Helper suffixes.
const vagueName = '/(Manager|Service|Helper)$/';

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'web/dist/', 'schema/', '.cairn/', 'bench/results/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: nodeGlobals,
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-console': 'off',
      // `catch {}` is how "absent is fine" reads; other empty blocks stay errors.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Parameters are data, never code (DESIGN.md "Guarantees"): expressions go through
      // JSONata, never through eval or the Function constructor.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `:matches(ClassDeclaration, TSInterfaceDeclaration, TSTypeAliasDeclaration) > Identifier.id[name=${vagueName}]`,
          message: 'Name it by its domain noun, not Manager/Service/Helper (STYLE.md).',
        },
        {
          selector: "CallExpression[callee.property.name='pragma']",
          message: 'Use readPragma/setPragma (src/store/sqlite/pragma.ts): db.pragma() statements reach the garbage collector, which aborts Node 24.19+ (native-lifetime.ts).',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vm', message: 'Parameters are data, never code: evaluate with JSONata.' },
            { name: 'node:vm', message: 'Parameters are data, never code: evaluate with JSONata.' },
          ],
          patterns: [
            {
              group: ['**/utils', '**/utils/*', '**/utils.js', '**/helpers', '**/helpers/*', '**/helpers.js'],
              message: 'No grab-bag modules: name the file by its topic (STYLE.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard talks to the server only over HTTP and the WebSocket: no imports of src/.
    files: ['web/**/*.{ts,tsx}', 'test/web/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+src(/|$)', message: 'The dashboard uses the REST API and the WebSocket, never the server code (src/).' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*'],
    rules: {
      // Tests poke at malformed input on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // bin/ is CommonJS too (bin/package.json): see bin/cairn.js.
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...nodeGlobals, ...commonJsGlobals },
    },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
