import LinkTomeCore

/// The JSON form of entity properties, as the service writes it with `odata=minimalmetadata`: plain
/// JSON for strings, Int32 and Booleans, and a `Name@odata.type` annotation beside every other type
/// (Int64 as a string so that values above 2^53 stay exact). The SQLite store keeps the same form.
enum EntityJSON {
    /// Appends `"Name":value` pairs (and annotations) for every property, each preceded by a comma
    /// unless `first` is set.
    static func writeProperties(_ properties: [String: TableValue], into bytes: inout [UInt8], first: Bool) {
        var needsComma = !first
        for name in properties.keys.sorted() {
            guard let value = properties[name] else { continue }
            if needsComma { bytes.append(UInt8(ascii: ",")) }
            needsComma = true
            writeString(name, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            writeValue(value, into: &bytes)
            if let annotation = annotation(for: value) {
                bytes.append(UInt8(ascii: ","))
                bytes.append(UInt8(ascii: "\""))
                appendRaw(name, into: &bytes)
                bytes.append(contentsOf: "@odata.type\":\"".utf8)
                bytes.append(contentsOf: annotation.utf8)
                bytes.append(UInt8(ascii: "\""))
            }
        }
    }

    /// The properties alone as a JSON object.
    static func encode(_ properties: [String: TableValue]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        writeProperties(properties, into: &bytes, first: true)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// An entity with its keys, as the body of an insert or update.
    static func encode(_ entity: TableEntity) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.append(contentsOf: "\"PartitionKey\":".utf8)
        JSONValue.writeString(entity.partitionKey, into: &bytes)
        bytes.append(contentsOf: ",\"RowKey\":".utf8)
        JSONValue.writeString(entity.rowKey, into: &bytes)
        writeProperties(entity.properties, into: &bytes, first: false)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private static func writeValue(_ value: TableValue, into bytes: inout [UInt8]) {
        switch value {
        case .string(let text): writeString(text, into: &bytes)
        case .int32(let number): bytes.append(contentsOf: String(number).utf8)
        case .int64(let number):
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: String(number).utf8)
            bytes.append(UInt8(ascii: "\""))
        case .double(let number):
            if number.isFinite {
                bytes.append(contentsOf: TableValue.doubleText(number).utf8)
            } else {
                JSONValue.writeString(TableValue.doubleText(number), into: &bytes)
            }
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .dateTime(let instant):
            bytes.append(UInt8(ascii: "\""))
            appendISO8601(instant, into: &bytes)
            bytes.append(UInt8(ascii: "\""))
        case .guid(let text): JSONValue.writeString(text, into: &bytes)
        case .binary(let data): JSONValue.writeString(data.base64, into: &bytes)
        }
    }

    /// A JSON string; text without quotes, backslashes or control characters is copied as is.
    static func writeString(_ text: String, into bytes: inout [UInt8]) {
        let needsEscape = text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        guard !needsEscape else {
            JSONValue.writeString(text, into: &bytes)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A property name inside an annotation key; names are identifiers, so they need no escaping.
    private static func appendRaw(_ name: String, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: name.utf8)
    }

    /// `YYYY-MM-DDTHH:MM:SS.fffffffZ` written digit by digit (the hot path of every DateTime write).
    static func appendISO8601(_ instant: Timestamp, into bytes: inout [UInt8]) {
        let fields = instant.civil
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        guard (0...9_999).contains(fields.year) else {
            bytes.append(contentsOf: instant.iso8601(fractionDigits: 7).utf8)
            return
        }
        digits(fields.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(fields.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(fields.day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(fields.hour, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(fields.minute, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(fields.second, 2)
        bytes.append(UInt8(ascii: "."))
        digits(Int(instant.nanoseconds / 100), 7)
        bytes.append(UInt8(ascii: "Z"))
    }

    private static func annotation(for value: TableValue) -> String? {
        switch value {
        case .string, .int32, .bool: return nil
        default: return value.edmType
        }
    }

    /// Reads the custom properties of a JSON entity object, skipping system properties and `odata.*`
    /// members; throws `invalidResponse` when a value does not fit its annotation.
    static func decodeProperties(_ object: [String: JSONValue]) throws(TableStorageError) -> [String: TableValue] {
        var properties: [String: TableValue] = [:]
        properties.reserveCapacity(object.count)
        for (name, json) in object {
            if name.utf8.contains(UInt8(ascii: "@")) || name.hasPrefix("odata.") { continue }
            if name == "PartitionKey" || name == "RowKey" || name == "Timestamp" { continue }
            // The service answers a $select of a property the entity lacks with null.
            if json == .null { continue }
            let type = object[name + "@odata.type"]?.stringValue
            guard let value = decodeValue(json, type: type) else {
                throw TableStorageError(
                    .invalidResponse,
                    code: "InvalidPropertyValue",
                    message:
                        "property '\(name)' holds \(json.jsonText.prefix(60)) which is not a valid \(type ?? "value")"
                )
            }
            properties[name] = value
        }
        return properties
    }

    /// One value from its JSON and optional Edm annotation; `nil` when they do not fit together.
    static func decodeValue(_ json: JSONValue, type: String?) -> TableValue? {
        switch (type, json) {
        case (nil, .string(let text)), ("Edm.String", .string(let text)): return .string(text)
        case (nil, .bool(let flag)), ("Edm.Boolean", .bool(let flag)): return .bool(flag)
        case (nil, .integer(let number)), ("Edm.Int32", .integer(let number)):
            if let small = Int32(exactly: number) { return .int32(small) }
            return type == nil ? .int64(number) : nil
        case (nil, .double(let number)): return .double(number)
        case ("Edm.Double", _): return decodeDouble(json)
        case ("Edm.Int64", .string(let text)): return Int64(text).map(TableValue.int64)
        case ("Edm.Int64", .integer(let number)): return .int64(number)
        case ("Edm.DateTime", .string(let text)): return Timestamp(iso8601: text).map(TableValue.dateTime)
        case ("Edm.Guid", .string(let text)): return TableValidation.canonicalGuid(text).map(TableValue.guid)
        case ("Edm.Binary", .string(let text)): return [UInt8](base64: text).map(TableValue.binary)
        default: return nil
        }
    }

    private static func decodeDouble(_ json: JSONValue) -> TableValue? {
        switch json {
        case .double(let number): return .double(number)
        case .integer(let number): return .double(Double(number))
        case .string("NaN"): return .double(.nan)
        case .string("Infinity"), .string("INF"): return .double(.infinity)
        case .string("-Infinity"), .string("-INF"): return .double(-.infinity)
        case .string(let text): return Double(text).map(TableValue.double)
        default: return nil
        }
    }
}

extension TableEntity {
    /// The entity as the service's `odata=minimalmetadata` JSON: `odata.etag`, `PartitionKey`,
    /// `RowKey`, `Timestamp`, and each property with an `@odata.type` annotation where JSON cannot
    /// carry the type (Int64 as a string, DateTime with 7 fraction digits, Guid, Binary in base64, Double).
    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        if let etag {
            bytes.append(contentsOf: "\"odata.etag\":".utf8)
            JSONValue.writeString(etag, into: &bytes)
            bytes.append(UInt8(ascii: ","))
        }
        bytes.append(contentsOf: "\"PartitionKey\":".utf8)
        JSONValue.writeString(partitionKey, into: &bytes)
        bytes.append(contentsOf: ",\"RowKey\":".utf8)
        JSONValue.writeString(rowKey, into: &bytes)
        if let timestamp {
            bytes.append(contentsOf: ",\"Timestamp\":".utf8)
            JSONValue.writeString(timestamp.iso8601(fractionDigits: 7), into: &bytes)
            bytes.append(contentsOf: ",\"Timestamp@odata.type\":\"Edm.DateTime\"".utf8)
        }
        EntityJSON.writeProperties(properties, into: &bytes, first: false)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// Reads an entity from the JSON ``jsonBytes`` writes (or the service returns).
    public init(json: [UInt8]) throws(TableStorageError) {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(json)
        } catch {
            throw TableStorageError(.validation, code: "InvalidJSON", message: "entity JSON is invalid: \(error)")
        }
        guard let object = parsed.objectValue, let partitionKey = object["PartitionKey"]?.stringValue,
            let rowKey = object["RowKey"]?.stringValue
        else {
            throw TableStorageError(
                .validation,
                code: "InvalidEntity",
                message: "entity JSON needs PartitionKey and RowKey strings"
            )
        }
        self.init(
            partitionKey: partitionKey,
            rowKey: rowKey,
            properties: try EntityJSON.decodeProperties(object),
            etag: object["odata.etag"]?.stringValue,
            timestamp: object["Timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        )
    }
}
