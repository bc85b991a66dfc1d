// JSON-RPC 2.0 error codes as UnrealIRCd 6.1 answers them (include/struct.h, enum JsonRpcError):
// the standard ones, UnrealIRCd's server ones (-32000...) and its application ones (-1000...).
// The messages are tslink's own words; clients act on the codes.

export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  API_CALL_DENIED: -32000,
  SERVER_GONE: -32001,
  TIMEOUT: -32002,
  REMOTE_SERVER_NO_RPC: -32003,
  NOT_FOUND: -1000,
  ALREADY_EXISTS: -1001,
  INVALID_NAME: -1002,
  USERNOTINCHANNEL: -1003,
  TOO_MANY_ENTRIES: -1004,
  DENIED: -1005,
} as const;

export type RpcCodeValue = (typeof RpcCode)[keyof typeof RpcCode];

/** Thrown by a method: becomes the call's `error` object. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** UnrealIRCd's answer to a missing or mistyped parameter (INVALID_PARAMS). */
export function missingParam(name: string): RpcError {
  return new RpcError(RpcCode.INVALID_PARAMS, `parameter '${name}' is required`);
}
