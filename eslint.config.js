// One lint run keeps each process honest about what it may import.
// Like Signal-Desktop, the process is visible in the folder name and the
// rule below refuses imports that would cross a process boundary.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronImports = {
  group: ['electron', 'electron/*'],
  message: 'core and cli run in plain Node: Electron belongs in src/main or src/preload only.',
};
const uiImports = {
  group: ['react', 'react-dom', 'react-dom/*', '**/renderer/**'],
  message: 'core and cli know nothing of the UI: talk to the renderer through src/shared.',
};
const domGlobals = ['window', 'document', 'navigator', 'localStorage', 'HTMLElement'].map(
  (name) => ({ name, message: 'No DOM in core or cli: this code must run in plain Node.' }),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-electron/**',
      'release/**',
      'engines/**',
      'models/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.cache/**',
      'bench/out/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  {
    files: ['src/core/**', 'src/cli/**', 'src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronImports, uiImports] }],
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    // The renderer only speaks the contract in src/shared: no Node, no Electron, no core.
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            electronImports,
            {
              group: ['node:*', '**/core/**', '**/main/**', '**/cli/**'],
              message: 'The renderer reaches core only through the API in src/shared.',
            },
          ],
        },
      ],
    },
  },
  {
    // The preload exposes the typed API and nothing else; it never reaches into core.
    files: ['src/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/**', '**/cli/**', '**/renderer/**', 'node:*'],
              message: 'The preload only bridges src/shared to the main process.',
            },
          ],
        },
      ],
    },
  },
);
