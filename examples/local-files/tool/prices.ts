/**
 * The example's own price list, in USD per month. It is made up: it exists so the demo's
 * cost condition (`cost.monthly_delta > 500`) can go either way by editing a desired-state
 * file. Infracost, like this, prices a month as 730 hours.
 */
export const MONTHLY_PRICE_USD = {
  local_directory: 0.5,
  local_file: { standard: 1, premium: 250 },
} as const;

/** Hours in Infracost's month. */
export const HOURS_PER_MONTH = 730;

/** The monthly price of one object with these attributes. */
export function monthlyPrice(type: string, attributes: Record<string, string>): number {
  if (type === 'local_directory') return MONTHLY_PRICE_USD.local_directory;
  if (type === 'local_file') {
    return attributes.storage_class === 'premium'
      ? MONTHLY_PRICE_USD.local_file.premium
      : MONTHLY_PRICE_USD.local_file.standard;
  }
  return 0;
}
