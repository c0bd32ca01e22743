import LinkTomeCore
import TableStorage

/// Values larger than one table property (64 KiB) spread over numbered properties: `Name`,
/// `Name_1`, `Name_2`, …, as the Azure Storage provider of the Durable extension spreads large
/// messages (it uses blobs; a dev store keeps them in the row).
enum StoredColumns {
    /// UTF-16 code units per string property (the service's limit is 32,768).
    static let textChunk = 30_000
    /// Bytes per binary property (the service's limit is 65,536).
    static let binaryChunk = 60_000

    static func name(_ base: String, _ index: Int) -> String {
        index == 0 ? base : "\(base)_\(index)"
    }

    /// Stores `text` under `base` (nothing when `nil`).
    static func setText(_ text: String?, _ base: String, in properties: inout [String: TableValue]) {
        guard let text else { return }
        var index = 0
        var current = ""
        var units = 0
        for character in text {
            let width = character.utf16.count
            if units + width > textChunk {
                properties[name(base, index)] = .string(current)
                index += 1
                current = ""
                units = 0
            }
            current.append(character)
            units += width
        }
        properties[name(base, index)] = .string(current)
    }

    /// The text stored under `base`, or `nil` when absent.
    static func text(_ base: String, in entity: TableEntity) -> String? {
        guard case .string(let first)? = entity[base] else { return nil }
        var text = first
        var index = 1
        while case .string(let next)? = entity[name(base, index)] {
            text += next
            index += 1
        }
        return text
    }

    /// Stores `bytes` under `base`.
    static func setBytes(_ bytes: [UInt8], _ base: String, in properties: inout [String: TableValue]) {
        var index = 0
        var offset = 0
        repeat {
            let end = min(offset + binaryChunk, bytes.count)
            properties[name(base, index)] = .binary(Array(bytes[offset..<end]))
            index += 1
            offset = end
        } while offset < bytes.count
    }

    /// The bytes stored under `base`, or `nil` when absent.
    static func bytes(_ base: String, in entity: TableEntity) -> [UInt8]? {
        guard case .binary(let first)? = entity[base] else { return nil }
        var bytes = first
        var index = 1
        while case .binary(let next)? = entity[name(base, index)] {
            bytes += next
            index += 1
        }
        return bytes
    }
}
