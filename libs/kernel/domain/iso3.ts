/** An ISO 3166-1 alpha-3 country code, upper case (`NOR`). */
export type Iso3 = string;

export function isIso3Shape(value: unknown): value is Iso3 {
  return typeof value === 'string' && /^[A-Z]{3}$/.test(value);
}
