/** A text field of a submitted form ('' for a missing field or a file). */
export function formText(values: FormData, name: string): string {
  const value = values.get(name);
  return typeof value === 'string' ? value : '';
}
