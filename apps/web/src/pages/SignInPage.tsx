import { useMutation } from '@apollo/client/react';
import { Link } from 'react-router';
import { Field, FormErrors } from '../components/Form.js';
import { ErrorNotice } from '../components/Status.js';
import { LogInDocument } from '../generated/graphql.js';
import { useAuthForm, useKeepNext } from '../lib/session.js';
import { useTitle } from '../lib/title.js';
import { formText } from '../lib/form.js';

const FIELDS = ['email', 'password'];

export function SignInPage() {
  useTitle('Sign in');
  const keepNext = useKeepNext();
  const [logIn, { loading, error }] = useMutation(LogInDocument);
  const { form, userErrors, onSubmit } = useAuthForm(async (values) => {
    const { data } = await logIn({ variables: { email: formText(values, 'email'), password: formText(values, 'password') } });
    return data?.logIn;
  });

  return (
    <section className="form-page" aria-labelledby="signin-heading">
      <h1 id="signin-heading">Sign in</h1>
      <form ref={form} onSubmit={onSubmit} noValidate>
        <FormErrors errors={userErrors} fields={FIELDS} />
        {error && <ErrorNotice error={error} />}
        <Field label="Email" name="email" type="email" autoComplete="email" required errors={userErrors} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={userErrors} />
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <Link to={keepNext('/signup')}>Create an account</Link>
      </p>
    </section>
  );
}
