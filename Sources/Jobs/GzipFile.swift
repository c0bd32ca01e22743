import Foundation

/// Writes a gzip file (RFC 1952) as data arrives, with ``DeflateEncoder``, and reports the sizes
/// and checksums a backup manifest records.
final class GzipFileWriter {
    /// What was written.
    struct Summary: Sendable, Equatable {
        var uncompressedBytes: Int
        var compressedBytes: Int
        /// CRC-32 of the uncompressed data (also in the gzip trailer).
        var crc32: UInt32
        /// SHA-256 of the file as written.
        var sha256: String
    }

    private let handle: FileHandle
    private var encoder = DeflateEncoder()
    private var crc = CRC32()
    private var digest = SHA256Digest()
    private var uncompressed = 0
    private var compressed = 0
    private var pending: [UInt8] = []

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw BusinessJobsError(.fileSystem, "cannot create \(path)")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw BusinessJobsError(.fileSystem, "cannot open \(path) for writing")
        }
        self.handle = handle
        try emit([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
    }

    /// Compresses and writes `bytes` (buffered: at most about 256 KiB are held).
    func write(_ bytes: [UInt8]) throws {
        crc.update(bytes)
        uncompressed += bytes.count
        pending.append(contentsOf: bytes)
        if pending.count >= 262_144 {
            try emit(encoder.append(pending))
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Writes the end of the stream and the trailer, closes the file and returns the summary.
    func finish() throws -> Summary {
        try emit(encoder.append(pending))
        pending = []
        try emit(encoder.finish())
        var trailer: [UInt8] = []
        for shift in stride(from: 0, to: 32, by: 8) {
            trailer.append(UInt8(truncatingIfNeeded: crc.value >> UInt32(shift)))
        }
        let size = UInt32(truncatingIfNeeded: uncompressed)
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: size >> UInt32(shift))) }
        try emit(trailer)
        try handle.close()
        return Summary(
            uncompressedBytes: uncompressed,
            compressedBytes: compressed,
            crc32: crc.value,
            sha256: digest.finish()
        )
    }

    private func emit(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        digest.update(bytes)
        compressed += bytes.count
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw BusinessJobsError(.fileSystem, "writing a backup file failed: \(error)")
        }
    }
}

/// Reads gzip data (one or more members, any DEFLATE block types) chunk by chunk, and checks each
/// member's trailer (CRC-32 and length).
struct GzipReader {
    private let data: [UInt8]
    private var decoder: InflateDecoder?
    private var offset = 0
    private var crc = CRC32()
    private var size = 0

    init(_ data: [UInt8]) {
        self.data = data
    }

    /// Decompresses `data`, handing out the output in chunks.
    static func decompress(_ data: [UInt8], _ output: ([UInt8]) throws -> Void) throws {
        var reader = GzipReader(data)
        while let chunk = try reader.next() { try output(chunk) }
    }

    /// The next chunk of output (about 1 MiB), or `nil` at the end of the last member.
    mutating func next() throws -> [UInt8]? {
        while true {
            if decoder == nil {
                guard offset == 0 || (offset + 1 < data.count && data[offset] == 0x1F && data[offset + 1] == 0x8B)
                else {
                    return nil
                }
                decoder = InflateDecoder(data, start: try Self.headerEnd(data, at: offset))
                crc = CRC32()
                size = 0
            }
            if let chunk = try decoder?.next() {
                crc.update(chunk)
                size += chunk.count
                return chunk
            }
            offset = try checkTrailer(at: decoder?.byteOffset ?? data.count)
            decoder = nil
        }
    }

    private func checkTrailer(at end: Int) throws -> Int {
        guard end + 8 <= data.count else { throw InflateDecoder.error("the gzip trailer is missing") }
        let storedCRC = (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[end + $1]) << UInt32(8 * $1) }
        let storedSize = (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[end + 4 + $1]) << UInt32(8 * $1) }
        guard storedCRC == crc.value, storedSize == UInt32(truncatingIfNeeded: size) else {
            throw BusinessJobsError(.invalidBackup, "the gzip checksum or length does not match the data")
        }
        return end + 8
    }

    private static func headerEnd(_ data: [UInt8], at start: Int) throws -> Int {
        guard data.count >= start + 18, data[start] == 0x1F, data[start + 1] == 0x8B, data[start + 2] == 8 else {
            throw BusinessJobsError(.invalidBackup, "not gzip data (bad magic or method)")
        }
        let flags = data[start + 3]
        var index = start + 10
        if flags & 4 != 0 {
            guard index + 2 <= data.count else { throw InflateDecoder.error("the gzip header is cut off") }
            index += 2 + (Int(data[index]) | Int(data[index + 1]) << 8)
        }
        for flag: UInt8 in [8, 16] where flags & flag != 0 {
            while index < data.count, data[index] != 0 { index += 1 }
            index += 1
        }
        if flags & 2 != 0 { index += 2 }
        guard index < data.count else { throw InflateDecoder.error("the gzip header is cut off") }
        return index
    }
}
