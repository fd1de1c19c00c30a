import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";

/**
 * Rows for one table, gathered and written many to an INSERT statement: SQLite spends more on
 * running a statement than on storing a short row. A full batch is one statement; what is left
 * at {@link flush} goes out in power-of-two pieces, so a table never has more than
 * log2(`maxRows`) + 1 statements prepared.
 */
export class RowBatch {
  readonly #statements = new Map<number, StatementSync>();
  readonly #values: SQLInputValue[] = [];
  #rows = 0;

  /**
   * @param insert the statement up to `VALUES`, such as `INSERT INTO t (a, b)`
   * @param maxRows at most `maxRows * columns` parameters (SQLite's limit is 32 766)
   * @param first the rows these rows refer to, written before them so that no row ever names
   * one that is not in its table yet
   */
  constructor(
    readonly db: DatabaseSync,
    readonly insert: string,
    readonly columns: number,
    readonly maxRows: number,
    readonly first?: RowBatch,
  ) {}

  /** Adds one row (`columns` values); writes the batch when it is full. */
  add(...row: SQLInputValue[]): void {
    for (const value of row) this.#values.push(value);
    if (++this.#rows === this.maxRows) this.flush();
  }

  /** Writes every row added so far. */
  flush(): void {
    const values = this.#values;
    try {
      if (this.#rows > 0) this.first?.flush();
      let rows = this.#rows;
      let offset = 0;
      while (rows > 0) {
        const size = rows === this.maxRows ? rows : 2 ** Math.floor(Math.log2(rows));
        const end = offset + size * this.columns;
        this.#statement(size).run(
          ...(offset === 0 && end === values.length ? values : values.slice(offset, end)),
        );
        offset = end;
        rows -= size;
      }
    } finally {
      this.clear();
    }
  }

  /** Forgets the rows not yet written (after a failure, so none leaks into the next write). */
  clear(): void {
    this.#values.length = 0;
    this.#rows = 0;
  }

  #statement(rows: number): StatementSync {
    let statement = this.#statements.get(rows);
    if (!statement) {
      const row = `(${Array(this.columns).fill("?").join(", ")})`;
      statement = this.db.prepare(`${this.insert} VALUES ${Array(rows).fill(row).join(", ")}`);
      this.#statements.set(rows, statement);
    }
    return statement;
  }
}
