import Sequencer from '@jest/test-sequencer';

/**
 * The longest files first, so that with two workers none of them starts last and runs alone
 * (a fresh clone, CI's, has no timings from earlier runs, and jest would order by file size).
 */
const LONGEST_FIRST = [
  'test/replicas.test.ts',
  'test/failure-matrix.test.ts',
  'test/web-app.test.ts',
  'bench/harness.test.ts',
  'test/start.test.ts',
];

// The package is CommonJS; its class arrives as the default export or under `default`.
const DefaultSequencer = Sequencer.default ?? Sequencer;

export default class LongestFirst extends DefaultSequencer {
  async sort(tests) {
    const rank = (test) => {
      const index = LONGEST_FIRST.findIndex((file) => test.path.endsWith(file));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    return [...(await super.sort(tests))].sort((a, b) => rank(a) - rank(b));
  }
}
