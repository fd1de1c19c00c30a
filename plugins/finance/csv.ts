/**
 * Daily closes from CSV, in either of two layouts (the header tells which):
 *
 * - long: `date,symbol,close` (any column order), one row per symbol and day;
 * - wide: `date,<SYM>,<SYM>,…`, one row per day, an empty cell when a symbol has no price.
 *
 * Dates are `YYYY-MM-DD`, prices positive numbers, fields plain (no quotes); blank lines and
 * lines starting with `#` are skipped. Symbols are upper-cased. Rows may come in any order.
 */
import type { PriceSeries } from "./series.ts";

/** A problem in a CSV text, naming the line (1-based) and, when it is one field, the column. */
export class CsvError extends SyntaxError {
  override name = "CsvError";
  constructor(message: string, readonly line: number, readonly column?: number) {
    super(message);
  }
}

const SYMBOL = /^[A-Z0-9][A-Z0-9._-]{0,19}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LONG = ["close", "date", "symbol"];

function validDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** Parses a CSV of closes into one series per symbol, sorted by date. */
export function parsePriceCsv(text: string, source = "CSV"): Map<string, PriceSeries> {
  const where = (line: number, column?: number, name?: string) =>
    `${source}: line ${line}` + (column === undefined ? "" : `, column ${column} (${name})`);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const rows: { line: number; cells: string[] }[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    if (raw.includes('"')) {
      throw new CsvError(`${where(i + 1)}: quoted fields are not supported`, i + 1);
    }
    rows.push({ line: i + 1, cells: raw.split(",").map((cell) => cell.trim()) });
  });
  const header = rows.shift();
  if (!header) throw new CsvError(`${source}: no header line (the text is empty)`, 1);
  const names = header.cells.map((name) => name.toLowerCase());
  const long = names.length === 3 && [...names].sort().join() === LONG.join();
  if (!long && names[0] !== "date") {
    throw new CsvError(
      `${where(header.line)}: the header must be date,symbol,close or date,<SYMBOL>,… ` +
        `(got ${header.cells.join(",")})`,
      header.line,
    );
  }
  const symbols = long ? [] : header.cells.slice(1).map((name) => name.toUpperCase());
  symbols.forEach((symbol, i) => {
    if (!SYMBOL.test(symbol)) {
      throw new CsvError(
        `${where(header.line, i + 2, "symbol")}: "${symbol}" is not a symbol ` +
          `(letters, digits, . _ -, up to 20)`,
        header.line,
        i + 2,
      );
    }
    if (symbols.indexOf(symbol) !== i) {
      throw new CsvError(`${where(header.line)}: symbol ${symbol} appears twice`, header.line);
    }
  });
  if (!long && symbols.length === 0) {
    throw new CsvError(`${where(header.line)}: the header names no symbol columns`, header.line);
  }

  const found = new Map<string, Map<string, { close: number; line: number }>>();
  const add = (symbol: string, date: string, close: number, line: number) => {
    const days = found.get(symbol) ?? new Map();
    found.set(symbol, days);
    const earlier = days.get(date);
    if (earlier) {
      throw new CsvError(
        `${where(line)}: ${symbol} has a second price for ${date} (first on line ${earlier.line})`,
        line,
      );
    }
    days.set(date, { close, line });
  };
  const price = (text: string, line: number, column: number, name: string) => {
    const value = Number(text);
    if (text === "" || !Number.isFinite(value)) {
      throw new CsvError(`${where(line, column, name)}: "${text}" is not a number`, line, column);
    }
    if (value <= 0) {
      throw new CsvError(
        `${where(line, column, name)}: a price must be positive, got ${text}`,
        line,
        column,
      );
    }
    return value;
  };

  for (const { line, cells } of rows) {
    if (cells.length !== names.length) {
      throw new CsvError(
        `${where(line)}: expected ${names.length} fields like the header, got ${cells.length}`,
        line,
      );
    }
    const dateColumn = names.indexOf("date");
    const date = cells[dateColumn]!;
    if (!validDate(date)) {
      throw new CsvError(
        `${where(line, dateColumn + 1, "date")}: "${date}" is not a date (YYYY-MM-DD)`,
        line,
        dateColumn + 1,
      );
    }
    if (long) {
      const symbolColumn = names.indexOf("symbol");
      const symbol = cells[symbolColumn]!.toUpperCase();
      if (!SYMBOL.test(symbol)) {
        throw new CsvError(
          `${where(line, symbolColumn + 1, "symbol")}: "${cells[symbolColumn]}" is not a symbol`,
          line,
          symbolColumn + 1,
        );
      }
      const closeColumn = names.indexOf("close");
      add(symbol, date, price(cells[closeColumn]!, line, closeColumn + 1, "close"), line);
    } else {
      symbols.forEach((symbol, i) => {
        if (cells[i + 1] === "") return; // no price that day
        add(symbol, date, price(cells[i + 1]!, line, i + 2, symbol), line);
      });
    }
  }
  if (found.size === 0) {
    throw new CsvError(`${source}: no price rows after the header`, header.line);
  }

  const series = new Map<string, PriceSeries>();
  for (const [symbol, days] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    const dates = [...days.keys()].sort();
    series.set(symbol, { symbol, dates, closes: dates.map((date) => days.get(date)!.close) });
  }
  return series;
}
