import Foundation
import Hummingbird
import TurboCore

/// Any encodable value as a JSON response.
struct Reply<Value: Encodable & Sendable>: ResponseEncodable, Sendable {
    var value: Value

    init(_ value: Value) { self.value = value }

    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }

    /// The value's JSON, written directly when it can (``JSONWritable``), else by the context's encoder.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var bytes: [UInt8] = []
        guard let writable = value as? any JSONWritable, writable.writeJSON(to: &bytes) else {
            return try context.responseEncoder.encode(self, from: request, context: context)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A page of a list with the total matching count.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int
}

extension Page: JSONWritable where Item: JSONWritable {
    func writeJSON(to out: inout [UInt8]) -> Bool {
        var json = JSONWriter()
        json.beginObject()
        json.key("items")
        guard json.value(items) else { return false }
        json.key("total")
        json.integer(total)
        json.key("limit")
        json.integer(limit)
        json.key("offset")
        json.integer(offset)
        json.endObject()
        out += json.bytes
        return true
    }
}
