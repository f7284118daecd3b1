// Display formatting. Amounts arrive as decimal strings; they are turned into numbers for
// display only, never for arithmetic.
const LOCALE = document.documentElement.lang || "en";
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const dateTime = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium" });
const monthYear = new Intl.DateTimeFormat(LOCALE, { month: "short", year: "numeric", timeZone: "UTC" });
const currencies = new Map();

export function points(value) {
  return value === null || value === undefined ? "—" : integer.format(value);
}

export function signedPoints(value) {
  if (value === null || value === undefined) return "—";
  return value > 0 ? `+${integer.format(value)}` : integer.format(value);
}

export function money(value) {
  if (!value) return "—";
  const code = value.currencyCode;
  if (!currencies.has(code)) {
    try {
      currencies.set(code, new Intl.NumberFormat(LOCALE, { style: "currency", currency: code }));
    } catch {
      currencies.set(code, { format: (n) => `${n} ${code}` });
    }
  }
  return currencies.get(code).format(Number(value.amount));
}

/** Money without cents when they are zero: axis and bucket labels. */
export function moneyShort(value) {
  if (!value) return "—";
  const amount = Number(value.amount);
  if (!Number.isInteger(amount)) return money(value);
  try {
    return new Intl.NumberFormat(LOCALE, { style: "currency", currency: value.currencyCode, maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${amount} ${value.currencyCode}`;
  }
}

/**
 * A share as a percentage. A small share that is not zero keeps two significant digits
 * (100 of 454,711 is "0.022%", never "0%"), and one short of whole never reads "100%".
 */
export function percent(value, digits = 0) {
  if (value === null || value === undefined) return "—";
  const shown = Math.abs(value) * 100;
  if (shown > 0 && shown < 10 ** -digits) {
    return new Intl.NumberFormat(LOCALE, { style: "percent", maximumSignificantDigits: 2 }).format(value);
  }
  const format = (d) => new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: d }).format(value);
  if (value < 1 && value > 0.99 && Math.round(shown * 10 ** digits) === 100 * 10 ** digits) {
    return `< ${format(digits)}`;
  }
  return format(digits);
}

export function decimal(value, digits = 2) {
  if (value === null || value === undefined || value === "") return "—";
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: digits }).format(Number(value));
}

export function when(value) {
  return value ? dateTime.format(new Date(value)) : "—";
}

export function day(value) {
  return value ? dateOnly.format(new Date(value)) : "—";
}

export function month(value) {
  return value ? monthYear.format(new Date(value)) : "—";
}

const PROPER = { SHOPIFY: "Shopify", WOOCOMMERCE: "WooCommerce" };

/** "AT_RISK" -> "At risk", for enum values shown to people. */
export function label(value) {
  if (!value) return "—";
  if (PROPER[value]) return PROPER[value];
  const text = String(value).replace(/_/g, " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
