/**
 * Writes `daily_closes.csv`: 60 trading days of four made-up symbols, a random walk with a
 * shared market factor from a fixed seed, so the file is the same on every run.
 *
 *     deno run --allow-write=plugins/finance/samples plugins/finance/samples/generate.ts
 */

/** A 32-bit linear congruential generator (Numerical Recipes constants), in [0, 1). */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
}

/** Standard normal draws by the Box–Muller transform. */
function normal(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
}

const SYMBOLS = [
  { symbol: "ACME", start: 100, drift: 0.0006, beta: 1.1, own: 0.012 },
  { symbol: "BOLT", start: 40, drift: 0.0002, beta: 1.4, own: 0.02 },
  { symbol: "CRUX", start: 250, drift: 0.0004, beta: 0.7, own: 0.009 },
  { symbol: "DUNE", start: 95, drift: 0.0001, beta: 0.1, own: 0.003 },
];

function tradingDays(from: string, count: number): string[] {
  const days: string[] = [];
  for (const day = new Date(`${from}T00:00:00Z`); days.length < count;) {
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

export function sampleCsv(): string {
  const draw = normal(uniform(20240102));
  const days = tradingDays("2024-01-02", 60);
  const prices = SYMBOLS.map((s) => s.start);
  const lines = ["date,symbol,close"];
  days.forEach((date, t) => {
    const market = draw() * 0.008;
    SYMBOLS.forEach((s, i) => {
      if (t > 0) prices[i] = prices[i]! * (1 + s.drift + s.beta * market + s.own * draw());
      lines.push(`${date},${s.symbol},${prices[i]!.toFixed(2)}`);
    });
  });
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  await Deno.writeTextFile(new URL("./daily_closes.csv", import.meta.url), sampleCsv());
}
