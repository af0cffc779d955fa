import { useMutation } from '@apollo/client/react';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Field, FormErrors, useFocusFirstError, type UserError } from '../components/Form.js';
import { ErrorNotice } from '../components/Status.js';
import { SignUpDocument } from '../generated/graphql.js';
import { useSignedIn } from '../lib/session.js';
import { useTitle } from '../lib/title.js';

const FIELDS = ['name', 'email', 'password'];

export function SignUpPage() {
  useTitle('Create an account');
  const [params] = useSearchParams();
  const form = useRef<HTMLFormElement>(null);
  const [signUp, { loading, error }] = useMutation(SignUpDocument);
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const signedIn = useSignedIn();
  useFocusFirstError(form, userErrors);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values = new FormData(event.currentTarget);
    const input = { name: String(values.get('name')), email: String(values.get('email')), password: String(values.get('password')) };
    const { data } = await signUp({ variables: { input } }).catch(() => ({ data: undefined }));
    if (!data) return;
    if (data.signUp.viewer) await signedIn();
    else setUserErrors(data.signUp.userErrors);
  };

  const next = params.get('next');
  return (
    <section className="form-page" aria-labelledby="signup-heading">
      <h1 id="signup-heading">Create an account</h1>
      <form ref={form} onSubmit={(event) => void submit(event)} noValidate>
        <FormErrors errors={userErrors} fields={FIELDS} />
        {error && <ErrorNotice error={error} />}
        <Field label="Name" name="name" autoComplete="name" required errors={userErrors} />
        <Field label="Email" name="email" type="email" autoComplete="email" required errors={userErrors} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={10} hint="At least 10 characters." errors={userErrors} />
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to={next ? `/signin?next=${encodeURIComponent(next)}` : '/signin'}>Sign in</Link>
      </p>
    </section>
  );
}
