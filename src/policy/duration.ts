/**
 * ISO-8601 durations for policy values ("P2D", "PT24H", "PT90M", "PT2S"): readable in a config file
 * and precise. Calendar units (years, months, weeks) are deliberately not accepted here: those
 * periods are business-calendar rules, not fixed lengths of time.
 */
import { z } from 'zod';

const PATTERN = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function parseDurationMs(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000;
}

/** A positive fixed-length duration such as "P2D" or "PT30M". */
export const durationSchema = z.string().refine((v) => (parseDurationMs(v) ?? 0) > 0, {
  message: 'a positive ISO-8601 duration in days/hours/minutes/seconds, e.g. P2D or PT24H',
});

export function durationMs(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new Error(`not an ISO-8601 duration: ${text}`);
  return ms;
}
