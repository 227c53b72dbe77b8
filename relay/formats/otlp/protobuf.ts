import protobuf from 'protobufjs/light.js';

/**
 * OTLP/HTTP protobuf bodies, decoded with protobufjs from the message definitions of
 * opentelemetry-proto v1 (`collector/{trace,logs}/v1/*_service.proto`, `trace/v1/trace.proto`,
 * `logs/v1/logs.proto`, `common/v1/common.proto`, `resource/v1/resource.proto`, Apache-2.0),
 * written out here as a protobufjs JSON descriptor. Only the fields the relay reads are listed;
 * protobuf skips the others, so newer SDKs that add fields still decode. Enums are declared as
 * int32 (the same varint on the wire) so their numbers come through unchanged.
 *
 * Why vendored definitions: the OpenTelemetry JS packages only encode requests (their protobuf
 * reader decodes responses), and no maintained package ships request decoders.
 */
const DESCRIPTOR = {
  nested: {
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    InstrumentationScope: {
      fields: {
        name: { type: 'string', id: 1 },
        version: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
      },
    },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ResourceSpans: {
      fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } },
    },
    ScopeSpans: {
      fields: { scope: { type: 'InstrumentationScope', id: 1 }, spans: { rule: 'repeated', type: 'Span', id: 2 } },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        events: { rule: 'repeated', type: 'SpanEvent', id: 11 },
        status: { type: 'Status', id: 15 },
      },
    },
    SpanEvent: {
      fields: {
        timeUnixNano: { type: 'fixed64', id: 1 },
        name: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
      },
    },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    ExportTraceServiceResponse: { fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } } },
    ExportTracePartialSuccess: {
      fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
    },
    ExportLogsServiceRequest: { fields: { resourceLogs: { rule: 'repeated', type: 'ResourceLogs', id: 1 } } },
    ResourceLogs: {
      fields: { resource: { type: 'Resource', id: 1 }, scopeLogs: { rule: 'repeated', type: 'ScopeLogs', id: 2 } },
    },
    ScopeLogs: {
      fields: { scope: { type: 'InstrumentationScope', id: 1 }, logRecords: { rule: 'repeated', type: 'LogRecord', id: 2 } },
    },
    LogRecord: {
      fields: {
        timeUnixNano: { type: 'fixed64', id: 1 },
        severityNumber: { type: 'int32', id: 2 },
        severityText: { type: 'string', id: 3 },
        body: { type: 'AnyValue', id: 5 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 6 },
        traceId: { type: 'bytes', id: 9 },
        spanId: { type: 'bytes', id: 10 },
        observedTimeUnixNano: { type: 'fixed64', id: 11 },
        eventName: { type: 'string', id: 12 },
      },
    },
    ExportLogsServiceResponse: { fields: { partialSuccess: { type: 'ExportLogsPartialSuccess', id: 1 } } },
    ExportLogsPartialSuccess: {
      fields: { rejectedLogRecords: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
    },
    // google.rpc.Status, the body of an OTLP/HTTP error response.
    RpcStatus: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);
const types = {
  traceRequest: root.lookupType('ExportTraceServiceRequest'),
  traceResponse: root.lookupType('ExportTraceServiceResponse'),
  logsRequest: root.lookupType('ExportLogsServiceRequest'),
  logsResponse: root.lookupType('ExportLogsServiceResponse'),
  status: root.lookupType('RpcStatus'),
};

/** The OTLP signals the relay receives. */
export type OtlpSignal = 'traces' | 'logs';

/** A protobuf body that could not be decoded. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/**
 * Decodes an OTLP/HTTP protobuf export request into the OTLP/JSON form the mappers read:
 * lowerCamelCase keys, 64-bit integers as decimal strings, trace and span ids as hex.
 * Throws `OtlpDecodeError` (never quoting the body) when the bytes are not such a message.
 */
export function decodeOtlpProtobuf(signal: OtlpSignal, body: Uint8Array): unknown {
  const type = signal === 'traces' ? types.traceRequest : types.logsRequest;
  let message: protobuf.Message;
  try {
    message = type.decode(body);
  } catch (error) {
    // Deeply nested values can exhaust the stack; that is a bad body too, not a relay fault.
    throw new OtlpDecodeError(`Body is not a protobuf ${type.name}`, { cause: error });
  }
  const object = type.toObject(message, { longs: String, bytes: String, defaults: false, arrays: true });
  hexIds(object);
  return object;
}

// OTLP/JSON writes trace and span ids as hex where other bytes fields are base64 (spec §JSON).
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

function hexIds(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      stack.push(...(current as unknown[]));
    } else if (current !== null && typeof current === 'object') {
      const record = current as Record<string, unknown>;
      for (const [key, member] of Object.entries(record)) {
        if (ID_FIELDS.has(key) && typeof member === 'string') record[key] = Buffer.from(member, 'base64').toString('hex');
        else if (typeof member === 'object') stack.push(member);
      }
    }
  }
}

/**
 * An OTLP export response as protobuf: empty (zero bytes) for full success, else a
 * `partial_success` with the number rejected and why.
 */
export function encodeOtlpResponse(signal: OtlpSignal, rejected: number, errorMessage: string): Uint8Array {
  if (rejected === 0 && errorMessage === '') return new Uint8Array(0);
  if (signal === 'traces') {
    return types.traceResponse.encode(types.traceResponse.fromObject({ partialSuccess: { rejectedSpans: rejected, errorMessage } })).finish();
  }
  return types.logsResponse.encode(types.logsResponse.fromObject({ partialSuccess: { rejectedLogRecords: rejected, errorMessage } })).finish();
}

/** A `google.rpc.Status` as protobuf, the body of an OTLP/HTTP error response. */
export function encodeOtlpStatus(code: number, message: string): Uint8Array {
  return types.status.encode(types.status.fromObject({ code, message })).finish();
}

/** Decodes a protobuf export response (for tests and diagnostics). */
export function decodeOtlpResponse(signal: OtlpSignal, body: Uint8Array): Record<string, unknown> {
  const type = signal === 'traces' ? types.traceResponse : types.logsResponse;
  return type.toObject(type.decode(body), { longs: Number, defaults: false });
}
