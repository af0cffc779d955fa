import { useEffect, type InputHTMLAttributes, type ReactNode, type RefObject } from 'react';

export interface UserError {
  field?: string | null;
  message: string;
  code: string;
}

/** A labelled input whose userError (matched by field name) is read out with it. */
export function Field({
  label,
  name,
  errors,
  hint,
  ...input
}: { label: string; name: string; errors: readonly UserError[]; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const error = errors.find((entry) => entry.field === name);
  const id = `field-${name}`;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={described || undefined} {...input} />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error.message}
        </p>
      )}
    </div>
  );
}

/** The userErrors no field shows (the whole form's, or a field this form has no input for). */
export function FormErrors({ errors, fields }: { errors: readonly UserError[]; fields: readonly string[] }) {
  const general = errors.filter((entry) => !entry.field || !fields.includes(entry.field));
  if (general.length === 0) return null;
  return (
    <div className="notice notice-error" role="alert">
      {general.map((entry) => (
        <p key={`${entry.code}:${entry.field ?? ''}:${entry.message}`}>{entry.message}</p>
      ))}
    </div>
  );
}

/** After a submit comes back with errors, puts the keyboard on the first field at fault. */
export function useFocusFirstError(form: RefObject<HTMLFormElement | null>, errors: readonly UserError[]): void {
  useEffect(() => {
    if (errors.length > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form, errors]);
}
