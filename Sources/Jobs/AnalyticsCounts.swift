import LinkTomeCore
import TableStorage

/// Exact occurrence counts by text (referrers, user agents), stored in full as JSON objects, split
/// over numbered properties (`ReferrerCountsJson`, `ReferrerCountsJson2`, …) of at most 30,000
/// characters each so that no property reaches the 64 KiB limit.
///
/// The total stays exact. Only if one day's map would exceed ``maximumParts`` properties are the
/// rarest entries folded into `"(other)"` (and the row marked `…Truncated`), to keep the entity under
/// the 1 MiB limit; keys longer than ``maximumKeyLength`` are cut.
struct CountMap: Sendable, Equatable {
    static let partCharacters = 30_000
    static let maximumParts = 5
    static let maximumKeyLength = 500
    static let otherKey = "(other)"

    var counts: [String: Int] = [:]
    var truncated = false

    mutating func add(_ key: String, _ amount: Int = 1) {
        let trimmed = key.count > Self.maximumKeyLength ? String(key.prefix(Self.maximumKeyLength)) : key
        counts[trimmed, default: 0] += amount
    }

    mutating func merge(_ other: CountMap) {
        for (key, value) in other.counts { counts[key, default: 0] += value }
        truncated = truncated || other.truncated
    }

    /// The `limit` largest entries, ties by key, as `[{<label>: key, count: n}]`.
    func top(_ limit: Int, label: String) -> JSONValue {
        let entries = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
        return .array(entries.map { .object([label: .string($0.key), "count": .integer(Int64($0.value))]) })
    }

    /// The properties holding this map under `name`, `name2`, …; empty when the map is empty.
    func properties(_ name: String) -> [String: TableValue] {
        var map = self
        var parts = map.encodedParts()
        while parts.count > Self.maximumParts {
            map.foldRarest()
            parts = map.encodedParts()
        }
        var result: [String: TableValue] = [:]
        for (index, part) in parts.enumerated() { result[index == 0 ? name : "\(name)\(index + 1)"] = .string(part) }
        if map.truncated { result[name.replacingOccurrences(of: "Json", with: "Truncated")] = .bool(true) }
        return result
    }

    /// The map as JSON objects of at most ``partCharacters`` UTF-8 bytes each (never fewer UTF-16
    /// units than bytes, so the property limit holds), keys sorted.
    private func encodedParts() -> [String] {
        var parts: [String] = []
        var current: [UInt8] = [UInt8(ascii: "{")]
        for key in counts.keys.sorted() {
            var entry: [UInt8] = []
            JSONValue.writeString(key, into: &entry)
            entry.append(UInt8(ascii: ":"))
            entry.append(contentsOf: String(counts[key] ?? 0).utf8)
            if current.count > 1, current.count + entry.count + 2 > Self.partCharacters {
                current.append(UInt8(ascii: "}"))
                parts.append(String(decoding: current, as: UTF8.self))
                current = [UInt8(ascii: "{")]
            }
            if current.count > 1 { current.append(UInt8(ascii: ",")) }
            current.append(contentsOf: entry)
        }
        if current.count > 1 {
            current.append(UInt8(ascii: "}"))
            parts.append(String(decoding: current, as: UTF8.self))
        }
        return parts
    }

    /// Folds the rarest tenth of the entries into `"(other)"`.
    private mutating func foldRarest() {
        let rare = counts.filter { $0.key != Self.otherKey }
            .sorted { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
            .prefix(max(1, counts.count / 10))
        for (key, value) in rare {
            counts.removeValue(forKey: key)
            counts[Self.otherKey, default: 0] += value
        }
        truncated = true
    }

    /// Reads the map from `name`, `name2`, …; when absent, from a legacy top list `legacy`
    /// (`[{label, count}]`, or one bare object as the PowerShell job wrote single elements).
    init(entity: TableEntity, name: String, legacy: String, label: String) {
        truncated = BusinessFields.bool(entity[name.replacingOccurrences(of: "Json", with: "Truncated")]) ?? false
        var index = 1
        var found = false
        while let text = BusinessFields.text(entity[index == 1 ? name : "\(name)\(index)"]) {
            found = true
            if let object = try? JSONParser.parse(text).objectValue {
                for (key, value) in object { counts[key, default: 0] += value.intValue ?? 0 }
            }
            index += 1
        }
        guard !found, let text = BusinessFields.text(entity[legacy]), let parsed = try? JSONParser.parse(text) else {
            return
        }
        for element in parsed.arrayValue ?? [parsed] {
            guard let key = element[label]?.stringValue, let count = element["count"]?.intValue else { continue }
            counts[key, default: 0] += count
        }
    }

    init() {}

    /// The names of every property a map under `name` may occupy (to remove stale parts).
    static func propertyNames(_ name: String, in entity: TableEntity) -> [String] {
        let truncatedName = name.replacingOccurrences(of: "Json", with: "Truncated")
        return entity.properties.keys.filter { key in
            key == truncatedName || key == name || (key.hasPrefix(name) && Int(key.dropFirst(name.count)) != nil)
        }
    }
}
