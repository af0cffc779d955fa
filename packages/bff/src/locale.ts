const DEFAULT_LOCALE = 'en-US';
const MAX_HEADER_LENGTH = 256;

/**
 * The best locale for an `Accept-Language` header: the highest-weighted tag this runtime
 * can format, else en-US. Malformed or oversized headers fall back rather than fail.
 */
export function negotiateLocale(acceptLanguage: string | undefined): string {
  return remembered(negotiatedLocales, acceptLanguage, negotiate);
}

/** Every request asks, and clients send few distinct headers: each is worked out once. */
const negotiatedLocales = new Map<string | undefined, string>();
const MAX_REMEMBERED_HEADERS = 500;

function remembered<T>(
  known: Map<string | undefined, T>,
  header: string | undefined,
  work: (header: string | undefined) => T,
): T {
  const hit = known.get(header);
  if (hit !== undefined) return hit;
  const result = work(header);
  if (known.size >= MAX_REMEMBERED_HEADERS) known.clear();
  known.set(header, result);
  return result;
}

function negotiate(acceptLanguage: string | undefined): string {
  for (const tag of acceptedTags(acceptLanguage)) {
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // not a valid BCP 47 tag after all
    }
  }
  return DEFAULT_LOCALE;
}

/** The header's language tags, best first (by weight, then order); none when malformed or oversized. */
function acceptedTags(acceptLanguage: string | undefined): string[] {
  if (!acceptLanguage || acceptLanguage.length > MAX_HEADER_LENGTH) return [];
  return acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([01](?:\.\d{1,3})?)\s*$/.exec(param)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter(({ tag, q }) => q > 0 && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ tag }) => tag);
}

/**
 * The best of `supported` languages (primary subtags such as `en`, `de`, `fr`) for an
 * `Accept-Language` header, for texts a BFF translates itself: `es, de-CH;q=0.8` → `de` when
 * Spanish is not supported. Falls back to the first supported language.
 */
export function preferredLanguage<Language extends string>(
  acceptLanguage: string | undefined,
  supported: readonly [Language, ...Language[]],
): Language {
  let known = preferredLanguages.get(supported);
  if (!known) preferredLanguages.set(supported, (known = new Map<string | undefined, string>()));
  return remembered(known, acceptLanguage, (header) => pickLanguage(header, supported)) as Language;
}

const preferredLanguages = new WeakMap<readonly string[], Map<string | undefined, string>>();

function pickLanguage<Language extends string>(
  acceptLanguage: string | undefined,
  supported: readonly [Language, ...Language[]],
): Language {
  for (const tag of acceptedTags(acceptLanguage)) {
    const primary = tag.split('-')[0]!.toLowerCase();
    const match = supported.find((language) => language === primary);
    if (match) return match;
  }
  return supported[0];
}

/** A currency's formatter for a locale, and its fraction digits (minor units per unit: 2 for cents). */
interface MoneyFormat {
  format: Intl.NumberFormat;
  digits: number;
}

/** Every price of every page asks; formatters (and their options) are built once per locale and currency. */
const moneyFormats = new Map<string, MoneyFormat>();

function moneyFormat(locale: string, currency: string): MoneyFormat {
  const key = `${locale}|${currency}`;
  let known = moneyFormats.get(key);
  if (!known) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    known = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    moneyFormats.set(key, known);
  }
  return known;
}

/** Minor units (cents) as the locale writes the amount: 129900 USD → "$1,299.00" / "1.299,00 $". */
export function formatMoney(amount: number, currency: string, locale: string): string {
  const { format, digits } = moneyFormat(locale, currency);
  return format.format(amount / 10 ** digits);
}
