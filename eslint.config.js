// ESLint: typescript-eslint's type-aware recommended rules; layout is Prettier's job (eslint-config-prettier).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // bench/variants/ holds copies of removed code that the benchmark builds to compare against.
  { ignores: ['dist/', 'coverage/', '.tap/', 'node_modules/', 'test/fixtures/', 'bench/variants/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `async` without `await` is deliberate: it turns a synchronous throw into a rejection and
      // fits a Promise-returning interface (the journal's no-op methods, tap's subtests).
      '@typescript-eslint/require-await': 'off',
      // `x[i]!` and `m[1] as string` mark an index the code knows is there (tsconfig leaves
      // noUncheckedIndexedAccess off, so the compiler calls them redundant): kept as documentation.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // A leading underscore names a value left out on purpose (`const { a: _a, ...rest } = x`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tap awaits the subtests `t.test()` returns before the parent test ends.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] },
      ],
      // Tests read received messages and JSON bodies loosely typed: a wrong shape fails the assertion.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
    // As for TypeScript: `const { a, ...rest } = x` leaves `a` out on purpose.
    rules: { 'no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    // The launchers in bin/ and hooks/ are CommonJS scripts without an extension.
    files: ['**/*.cjs', 'bin/beluga-cert', 'hooks/{certbot,dehydrated,lego}'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  prettier,
);
