// Jest runs the TypeScript sources as native ES modules (`node --experimental-vm-modules`, see
// the `test` script); @swc/jest strips the types and leaves the imports alone.

// Every test's processes log nothing and run as tests. Set here, before jest starts its workers,
// so the servers and child processes the tests start inherit them too.
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = 'silent';

/** @type {import('jest').Config} */
export default {
  testEnvironment: '<rootDir>/test/support/environment.js',
  testMatch: [
    '<rootDir>/packages/*/src/**/*.test.ts',
    '<rootDir>/subgraphs/*/src/**/*.test.ts',
    '<rootDir>/gateway/src/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/bench/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
  testSequencer: '<rootDir>/test/support/sequencer.js',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  // The sources import each other as NodeNext wants (`./x.js`); the files on disk are `./x.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // Every file starts real servers on fresh databases; two cores, two files at a time.
  maxWorkers: 2,
  // Tests get 30 s unless they say otherwise; hooks get 60 s (test/support/environment.js).
  testTimeout: 30_000,
};
