// deno-lint-ignore-file no-control-regex -- telling control characters apart is the point here
/** The character classes of HTTP/1.1 (RFC 9110 §5.6, RFC 9112), in one place. */

/** A token: a method or a field name. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request line: a method, a target of visible ASCII, and HTTP/1.0 or HTTP/1.1. */
export const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
/** What a field value may not hold: control characters other than a tab. */
export const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** A chunk-size line: hex digits, optional extensions without control characters. */
export const CHUNK_SIZE = /^([0-9A-Fa-f]{1,13})[ \t]*(;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;
/** A trailer field line. */
export const FIELD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*$/;
/** Text of 7-bit characters only. */
export const ASCII = /^[\x00-\x7f]*$/;

/** A client's text shortened and without control characters, fit for an error message. */
export function quote(text: string, max = 80): string {
  const clean = text.replace(/[\x00-\x1f\x7f-\uffff]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
