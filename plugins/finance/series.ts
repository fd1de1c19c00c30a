/** Daily closes of one symbol, oldest first. */
export interface PriceSeries {
  symbol: string;
  /** `YYYY-MM-DD`, strictly increasing. */
  dates: string[];
  closes: number[];
}

/** Closes of several symbols on the dates they all have, oldest first. */
export interface AlignedCloses {
  dates: string[];
  /** One list per symbol, in the order asked, each as long as `dates`. */
  closes: number[][];
}

/** Keeps the dates every series has a close for, so returns line up day by day. */
export function alignCloses(series: readonly PriceSeries[]): AlignedCloses {
  if (series.length === 0) return { dates: [], closes: [] };
  const maps = series.map((s) => new Map(s.dates.map((date, i) => [date, s.closes[i]!])));
  const dates = series[0]!.dates.filter((date) => maps.every((map) => map.has(date)));
  return { dates, closes: maps.map((map) => dates.map((date) => map.get(date)!)) };
}
