// ESLint for every workspace and the root's own files (scripts/, bench/, test/). Each workspace's
// `npm run lint` runs `eslint .` from its folder with this file; the root's `npm run lint` runs them
// all through turbo, then Prettier and knip.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      '**/coverage/**',
      'bench/results/**',
      // A separate npm project (its own lockfile) benchmarked against ours, not part of the workspace.
      'bench/peers/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        // Each file is checked with the tsconfig.json nearest to it; the few files outside every
        // tsconfig (a test's child process) get a default project. JavaScript files are linted untyped.
        projectService: { allowDefaultProject: ['packages/events/test/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          alwaysTryTypes: true,
          project: ['tsconfig.json', '*/*/tsconfig.json', 'gateway/tsconfig.json'],
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: false }],
      // Numbers and booleans print plainly in messages, keys and SQL; objects, nullish values and
      // `any` stay forbidden in templates.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNumber: true,
          allowBoolean: true,
          allow: [
            { from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] },
            { from: 'package', package: '@types/node', name: ['URL', 'URLSearchParams'] },
          ],
        },
      ],
      // An AbortSignal's `reason` is typed `any`; rejecting with it is the platform's own convention.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true }],
      // A package's declarations for an untyped dependency are referenced by path, so that packages
      // compiling its source see them too.
      '@typescript-eslint/triple-slash-reference': ['error', { path: 'always', types: 'prefer-import', lib: 'never' }],
      // A `let` that closures read and that is assigned once they exist (a server built after its handlers).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // A leading underscore names what is left out on purpose (an unused parameter, a field split off a rest object).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `(x) => list.push(x)` style callbacks read as statements; only full expressions are checked.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],

      // Disabled rules, each with why:
      // - no-non-null-assertion: tsconfig's noUncheckedIndexedAccess types every index as `T | undefined`;
      //   `!` marks an index known to be in range (a regex group that matched, a row just read) and a
      //   wrong one fails at its first use.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // - require-await: `async` on a method that implements a Promise-returning interface (cache
      //   stores, Apollo plugins) turns a synchronous throw into a rejection, which callers rely on.
      '@typescript-eslint/require-await': 'off',
      // - no-unnecessary-condition: its narrowing ignores flags that callbacks change (`while (running)`
      //   loops that `stop()` ends) and flags runtime checks of parsed input whose declared type is
      //   more optimistic than what arrives; most of its findings here were of those two kinds.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // Tests, their support and the benchmark read GraphQL and HTTP responses as untyped JSON and
    // check them with assertions; typing every response would restate the schema in each of them.
    files: [
      '**/*.test.ts',
      'test/**',
      'bench/**',
      '**/test/**',
      '**/test-support/**',
      '**/*test-support.ts',
      'packages/testing/**',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-plus-operands': ['error', { allowAny: true }],
    },
  },
  {
    // The web app's Node side (dev server, serving, Vite config) has its own tsconfig beside the browser one.
    files: ['apps/web/server/**', 'apps/web/vite.config.ts'],
    languageOptions: { parserOptions: { projectService: false, project: 'apps/web/tsconfig.node.json' } },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    ...reactHooks.configs.flat['recommended-latest'],
  },
  prettier,
);
