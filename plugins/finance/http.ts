/** The plugin's one place that turns errors into `application/problem+json` responses. */
import {
  HttpError,
  problem,
  readJson as readJsonBody,
  readText as readBody,
  type RouteHandler,
} from "../../src/sdk/mod.ts";
import { CsvError } from "./csv.ts";
import { VAR_METHODS, type VarMethod } from "./var.ts";

export { HttpError, problem };

/**
 * Wraps a handler: HttpErrors keep their status; bad CSV, a singular covariance and figures
 * asked of too little data (RangeError) are the client's input, so 400. Anything else is a
 * bug and goes on to the SDK, which logs it and answers 500.
 */
export function guarded(handler: RouteHandler): RouteHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (error instanceof HttpError) return problem(error.status, error.message);
      if (error instanceof CsvError || error instanceof RangeError) {
        return problem(400, error.message);
      }
      throw error;
    }
  };
}

/** The body as text, at most `limit` bytes (`max_upload_bytes`): 413 above, 400 if not UTF-8. */
export function readText(request: Request, limit: number): Promise<string> {
  return readBody(request, limit, `max_upload_bytes (${limit} bytes)`);
}

/** The body as JSON, at most `limit` bytes, with a 400 naming the parse error. */
export function readJson(request: Request, limit: number): Promise<unknown> {
  return readJsonBody(request, limit, `max_upload_bytes (${limit} bytes)`);
}

/** `?confidence=`: a number in (0.5, 1), else 400. */
export function confidenceParam(url: URL, fallback: number): number {
  const text = url.searchParams.get("confidence");
  if (text === null || text === "") return fallback;
  const value = Number(text);
  if (!(value > 0.5 && value < 1)) {
    throw new HttpError(
      400,
      `confidence must be a number between 0.5 and 1 (exclusive), such as 0.95 or 0.99; got "${text}"`,
    );
  }
  return value;
}

/** `?method=historical|parametric`, historical by default. */
export function methodParam(url: URL): VarMethod {
  const text = url.searchParams.get("method") ?? "historical";
  if (!(VAR_METHODS as readonly string[]).includes(text)) {
    throw new HttpError(400, `method must be one of ${VAR_METHODS.join(", ")}; got "${text}"`);
  }
  return text as VarMethod;
}

/** A whole-number query parameter within bounds, or the fallback when absent. */
export function wholeParam(
  url: URL,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}; got "${text}"`);
  }
  return value;
}
