// The Node test environment, plus what jest's config cannot say:
// - hooks (beforeAll...) get 60 s unless they pass their own timeout, tests the config's 30 s:
//   starting or stopping a whole stack on a busy machine takes longer than a test's wait;
// - whether the running test has failed so far, which jest does not hand an afterEach hook:
//   the browser tests read it (test/support/browser.ts) to keep screenshots of a failure.
import { TestEnvironment } from 'jest-environment-node';

const HOOK_TIMEOUT_MS = 60_000;
const FAILURE_STATE = Symbol.for('storefront.testFailure');

export default class StorefrontEnvironment extends TestEnvironment {
  handleTestEvent(event, state) {
    if (event.name === 'add_hook' && event.timeout === undefined) {
      // jest-circus has just added the hook to the suite being collected.
      const hook = state.currentDescribeBlock.hooks.at(-1);
      if (hook) hook.timeout = HOOK_TIMEOUT_MS;
    }
    if (event.name === 'test_start') this.global[FAILURE_STATE] = { name: event.test.name, failed: false };
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
      const running = this.global[FAILURE_STATE];
      if (running) running.failed = true;
    }
  }
}
