/**
 * Data Factory prints run times in the .NET round-trip form with seven fractional digits
 * (`2024-05-01T10:00:00.1230000Z`, spec §3.3); run records and `pipeline().TriggerTime` use the same text.
 */

export function formatRunTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 23)}0000Z`;
}
