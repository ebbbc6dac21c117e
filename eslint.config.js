// Lint rules. Workflow files run inside Temporal's deterministic sandbox: they may not import Node built-ins,
// nor import activities as values (only `import type`, used with proxyActivities).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.novaflow/**', '.tools/**', 'schema/generated/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins.' })),
          patterns: [
            {
              group: ['**/activities/**', '**/activities'],
              allowTypeImports: true,
              message: 'Workflows import activities only as types (proxyActivities).',
            },
            { group: ['pg', 'express', '@temporalio/client', '@temporalio/worker', '**/infra/**'], message: 'No I/O in workflow code.' },
          ],
        },
      ],
    },
  },
  {
    // A compute host holds no database credentials: host-side code talks only to Temporal and its hypervisor.
    files: ['activities/host/**/*.ts', 'workers/compute.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'pg', message: 'Host-side code never touches PostgreSQL; report through Temporal.' }],
          patterns: [{ group: ['**/activities/control/**', '**/infra/connections*', '**/schema/**'], message: 'Host-side code never touches PostgreSQL.' }],
        },
      ],
    },
  },
);
