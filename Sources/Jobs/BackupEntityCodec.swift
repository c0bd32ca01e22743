import LinkTomeCore
import TableStorage

/// One entity per line of a backup file, with every value's Edm type so a restore is exact:
/// `{"PartitionKey":…,"RowKey":…,"Timestamp":…,"Properties":{"Name":["Edm.Int64","42"],…}}`.
/// Int64 and Double travel as text (no precision lost), DateTime as ISO 8601 with 7 digits,
/// Binary as base64.
enum BackupEntityCodec {
    static func line(_ entity: TableEntity) -> [UInt8] {
        var properties: [String: JSONValue] = [:]
        for (name, value) in entity.properties { properties[name] = .array([.string(value.edmType), encode(value)]) }
        var object: [String: JSONValue] = [
            "PartitionKey": .string(entity.partitionKey), "RowKey": .string(entity.rowKey),
            "Properties": .object(properties),
        ]
        if let timestamp = entity.timestamp { object["Timestamp"] = .string(timestamp.iso8601(fractionDigits: 7)) }
        var bytes = JSONValue.object(object).jsonBytes
        bytes.append(0x0A)
        return bytes
    }

    private static func encode(_ value: TableValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .int32(let number): return .integer(Int64(number))
        case .int64(let number): return .string(String(number))
        case .double(let number): return .string(TableValue.double(number).displayText)
        case .bool(let flag): return .bool(flag)
        case .dateTime(let instant): return .string(instant.iso8601(fractionDigits: 7))
        case .guid(let text): return .string(text)
        case .binary(let bytes): return .string(bytes.base64)
        }
    }

    /// Reads one line; `number` names it in errors.
    static func entity(_ bytes: ArraySlice<UInt8>, number: Int) throws -> TableEntity {
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(bytes))
        } catch {
            throw BusinessJobsError(.invalidBackup, "line \(number) is not JSON: \(error)")
        }
        guard let partitionKey = json["PartitionKey"]?.stringValue, let rowKey = json["RowKey"]?.stringValue,
            let properties = json["Properties"]?.objectValue
        else { throw BusinessJobsError(.invalidBackup, "line \(number) lacks PartitionKey, RowKey or Properties") }
        var entity = TableEntity(partitionKey: partitionKey, rowKey: rowKey)
        for (name, typed) in properties {
            guard let pair = typed.arrayValue, pair.count == 2, let type = pair[0].stringValue,
                let value = decode(type: type, pair[1])
            else { throw BusinessJobsError(.invalidBackup, "line \(number): property \(name) has an unreadable value") }
            entity.properties[name] = value
        }
        return entity
    }

    private static func decode(type: String, _ json: JSONValue) -> TableValue? {
        switch type {
        case "Edm.String": return json.stringValue.map(TableValue.string)
        case "Edm.Int32": return json.int64Value.flatMap { Int32(exactly: $0) }.map(TableValue.int32)
        case "Edm.Int64": return json.stringValue.flatMap { Int64($0) }.map(TableValue.int64)
        case "Edm.Double": return json.stringValue.flatMap(parseDouble).map(TableValue.double)
        case "Edm.Boolean": return json.boolValue.map(TableValue.bool)
        case "Edm.DateTime": return json.stringValue.flatMap { Timestamp(iso8601: $0) }.map(TableValue.dateTime)
        case "Edm.Guid": return json.stringValue.map(TableValue.guid)
        case "Edm.Binary": return json.stringValue.flatMap { [UInt8](base64: $0) }.map(TableValue.binary)
        default: return nil
        }
    }

    private static func parseDouble(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }
}
