import { dirname } from "node:path";
import type { PluginLogLine } from "./log_buffer.ts";

const ROTATE_BYTES = 10 * 1024 * 1024;
const encoder = new TextEncoder();

/**
 * Appends a plugin's log lines to a file, one JSON object per line. When the file would pass
 * `rotateBytes` (10 MiB) it is moved to `<file>.1` (replacing the previous one) and a new one
 * is started.
 */
export class LogFile {
  #file: Deno.FsFile;
  #size: number;

  constructor(readonly path: string, readonly rotateBytes = ROTATE_BYTES) {
    Deno.mkdirSync(dirname(path), { recursive: true });
    this.#file = Deno.openSync(path, { append: true, create: true });
    this.#size = this.#file.statSync().size;
  }

  write(line: PluginLogLine): void {
    const bytes = encoder.encode(
      JSON.stringify({
        time: new Date(line.at).toISOString(),
        stream: line.stream,
        level: line.level,
        line: line.text,
      }) +
        "\n",
    );
    if (this.#size + bytes.length > this.rotateBytes) this.#rotate();
    this.#file.writeSync(bytes);
    this.#size += bytes.length;
  }

  close(): void {
    this.#file.close();
  }

  #rotate(): void {
    this.#file.close();
    Deno.renameSync(this.path, `${this.path}.1`);
    this.#file = Deno.openSync(this.path, { append: true, create: true });
    this.#size = 0;
  }
}
