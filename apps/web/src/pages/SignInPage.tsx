import { useMutation } from '@apollo/client/react';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Field, FormErrors, useFocusFirstError, type UserError } from '../components/Form.js';
import { ErrorNotice } from '../components/Status.js';
import { LogInDocument } from '../generated/graphql.js';
import { useSignedIn } from '../lib/session.js';
import { useTitle } from '../lib/title.js';

const FIELDS = ['email', 'password'];

export function SignInPage() {
  useTitle('Sign in');
  const [params] = useSearchParams();
  const form = useRef<HTMLFormElement>(null);
  const [logIn, { loading, error }] = useMutation(LogInDocument);
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const signedIn = useSignedIn();
  useFocusFirstError(form, userErrors);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values = new FormData(event.currentTarget);
    const { data } = await logIn({ variables: { email: String(values.get('email')), password: String(values.get('password')) } }).catch(() => ({ data: undefined }));
    if (!data) return;
    if (data.logIn.viewer) await signedIn();
    else setUserErrors(data.logIn.userErrors);
  };

  const next = params.get('next');
  return (
    <section className="form-page" aria-labelledby="signin-heading">
      <h1 id="signin-heading">Sign in</h1>
      <form ref={form} onSubmit={(event) => void submit(event)} noValidate>
        <FormErrors errors={userErrors} fields={FIELDS} />
        {error && <ErrorNotice error={error} />}
        <Field label="Email" name="email" type="email" autoComplete="email" required errors={userErrors} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={userErrors} />
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <Link to={next ? `/signup?next=${encodeURIComponent(next)}` : '/signup'}>Create an account</Link>
      </p>
    </section>
  );
}
