/** How many minor units make one major unit of `currency` (100 for USD, 1 for JPY). */
function minorPerMajor(currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return 10 ** digits;
}

/** Minor units (the BFF's `amount`) as a decimal for an input, e.g. 129900 USD -> "1299.00". */
export function toMajorUnits(amount: number, currency: string): string {
  const factor = minorPerMajor(currency);
  return (amount / factor).toFixed(Math.log10(factor));
}

/** A decimal typed by an admin as minor units; undefined when it is not a non-negative amount. */
export function toMinorUnits(text: string, currency: string): number | undefined {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.round(value * minorPerMajor(currency));
}

/** The input step for `currency`: 0.01 for USD. */
export function priceStep(currency: string): string {
  return String(1 / minorPerMajor(currency));
}
