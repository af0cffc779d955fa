import { expect } from '@jest/globals';

type Matchers<T> = ReturnType<typeof expect<T>>;

/**
 * Calls the matchers of `expect(actual)` through `onFailure`, which gets the error a failing
 * matcher threw (or its promise rejected with, for `.resolves` / `.rejects`).
 */
function routed<T>(matchers: Matchers<T>, onFailure: (error: unknown) => void): Matchers<T> {
  return new Proxy(matchers, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'not' || property === 'resolves' || property === 'rejects') return routed(value as Matchers<T>, onFailure);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch(onFailure) : result;
        } catch (error) {
          onFailure(error);
          return undefined;
        }
      };
    },
  });
}

/** `error` with `label` put before its message. */
function labelled(error: unknown, label: string): unknown {
  if (error instanceof Error) error.message = `${label}\n\n${error.message}`;
  return error;
}

/**
 * `expect(actual)`, whose failures start with `label` (when given): which of many alike checks
 * failed (jest's own `expect` takes no message).
 */
export function expectLabelled<T>(actual: T, label: string | undefined): Matchers<T> {
  return routed(expect(actual), (error) => {
    throw label === undefined ? error : labelled(error, label);
  });
}

/**
 * Checks that do not stop the test: `soft.expect(actual, label?)` records a failure and goes on,
 * and `soft.check()` (in an afterEach) fails the test with every failure recorded since the last
 * check. For a test that walks many cases and should report each wrong one, not only the first.
 */
export function softAssertions(): { expect<T>(actual: T, label?: string): Matchers<T>; check(): void } {
  const failures: unknown[] = [];
  return {
    expect: (actual, label) =>
      routed(expect(actual), (error) => void failures.push(label === undefined ? error : labelled(error, label))),
    check() {
      const found = failures.splice(0);
      if (found.length === 1) throw found[0];
      if (found.length > 1) {
        throw new Error(
          `${found.length} checks failed:\n\n${found.map((error) => (error instanceof Error ? error.message : String(error))).join('\n\n')}`,
        );
      }
    },
  };
}
