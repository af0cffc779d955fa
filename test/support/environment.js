// The Node test environment, plus the one thing jest does not hand a test's hooks: whether the
// test has failed so far. `testFailures()` (test/support/failures.ts) reads it, so an afterEach can
// keep evidence of a failure (the browser tests' screenshots).
import { TestEnvironment } from 'jest-environment-node';

const FAILURE_STATE = Symbol.for('storefront.testFailure');

export default class StorefrontEnvironment extends TestEnvironment {
  handleTestEvent(event) {
    if (event.name === 'test_start') this.global[FAILURE_STATE] = { name: event.test.name, failed: false };
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
      const state = this.global[FAILURE_STATE];
      if (state) state.failed = true;
    }
  }
}
