import { useMutation } from '@apollo/client/react';
import { Link } from 'react-router';
import { Field, FormErrors } from '../components/Form.js';
import { ErrorNotice } from '../components/Status.js';
import { SignUpDocument } from '../generated/graphql.js';
import { useAuthForm, useKeepNext } from '../lib/session.js';
import { useTitle } from '../lib/title.js';
import { formText } from '../lib/form.js';

const FIELDS = ['name', 'email', 'password'];

export function SignUpPage() {
  useTitle('Create an account');
  const keepNext = useKeepNext();
  const [signUp, { loading, error }] = useMutation(SignUpDocument);
  const { form, userErrors, onSubmit } = useAuthForm(async (values) => {
    const input = { name: formText(values, 'name'), email: formText(values, 'email'), password: formText(values, 'password') };
    const { data } = await signUp({ variables: { input } });
    return data?.signUp;
  });

  return (
    <section className="form-page" aria-labelledby="signup-heading">
      <h1 id="signup-heading">Create an account</h1>
      <form ref={form} onSubmit={onSubmit} noValidate>
        <FormErrors errors={userErrors} fields={FIELDS} />
        {error && <ErrorNotice error={error} />}
        <Field label="Name" name="name" autoComplete="name" required errors={userErrors} />
        <Field label="Email" name="email" type="email" autoComplete="email" required errors={userErrors} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters."
          errors={userErrors}
        />
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to={keepNext('/signin')}>Sign in</Link>
      </p>
    </section>
  );
}
