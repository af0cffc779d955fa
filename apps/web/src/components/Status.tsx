import type { ErrorLike } from '@apollo/client';
import type { ReactNode } from 'react';
import { errorMessage } from '../lib/errors.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="notice" role="status">
      Loading {what}…
    </p>
  );
}

/** A failed request: what went wrong in words, and a way to try again. */
export function ErrorNotice({ error, retry }: { error: ErrorLike; retry?: () => unknown }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>{errorMessage(error)}</p>
      {retry && (
        <button type="button" onClick={() => void Promise.resolve(retry()).catch(() => undefined)}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="notice notice-empty">{children}</p>;
}

/** Nothing at this address: a heading that says what is missing, and where to go instead. */
export function NotFound({ title, children }: { title: string; children: ReactNode }) {
  return (
    <>
      <h1>{title}</h1>
      <p>{children}</p>
    </>
  );
}
