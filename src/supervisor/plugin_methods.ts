import type { UnaryMethod } from "../h2c/mod.ts";
import { domain, readResponseHead, WireWriter, writeRequestHead } from "../protocol/mod.ts";

const METHODS = domain.DomainPluginServiceService;

/** Requests are written here one at a time; the client copies them before the call returns. */
const writer = new WireWriter(16 * 1024);

/**
 * `HandleHTTP`, the call every HTTP request to a QNTX program makes: written and read with the
 * hand-written heads the data channel uses (the same bytes as the generated codecs, without
 * their intermediate objects).
 */
export const HANDLE_HTTP: UnaryMethod<domain.HTTPRequest, domain.HTTPResponse> = {
  path: METHODS.handleHttp.path,
  encode(request) {
    writer.length = 0;
    writeRequestHead(writer, request);
    return writer.bytes;
  },
  decode(bytes) {
    const head = readResponseHead(bytes);
    return { statusCode: head.status, headers: head.headers, body: head.body };
  },
};

export const EXECUTE_JOB: UnaryMethod<domain.ExecuteJobRequest, domain.ExecuteJobResponse> = {
  path: METHODS.executeJob.path,
  encode: (request) => domain.ExecuteJobRequest.encode(request).finish(),
  decode: (bytes) => domain.ExecuteJobResponse.decode(bytes),
};

export const PARSE_AX_QUERY: UnaryMethod<
  domain.ParseAxQueryRequest,
  domain.ParseAxQueryResponse
> = {
  path: METHODS.parseAxQuery.path,
  encode: (request) => domain.ParseAxQueryRequest.encode(request).finish(),
  decode: (bytes) => domain.ParseAxQueryResponse.decode(bytes),
};
