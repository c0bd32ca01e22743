import Foundation
import Testing

@testable import Jobs

@Suite("Gzip, CRC-32 and SHA-256 for backups")
struct BusinessGzipTests {
    private func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    /// JSON-lines-like text with repeats, plus pseudo-random bytes that do not compress.
    private func sample(_ size: Int) -> [UInt8] {
        var random = DemoRandom(seed: UInt64(size))
        var bytes: [UInt8] = []
        while bytes.count < size {
            if random.next(4) == 0 {
                bytes += (0..<random.next(300)).map { _ in UInt8(random.next(256)) }
            } else {
                bytes += Array(
                    "{\"PartitionKey\":\"user-\(random.next(50))\",\"RowKey\":\"\(random.next(100_000))\"}\n".utf8
                )
            }
        }
        return Array(bytes.prefix(size))
    }

    private func roundTrip(_ data: [UInt8], chunk: Int = 100_000) throws -> (restored: [UInt8], path: String) {
        let path = temporaryFile("sample.gz")
        let writer = try GzipFileWriter(path: path)
        var offset = 0
        while offset < data.count {
            try writer.write(Array(data[offset..<min(offset + chunk, data.count)]))
            offset += chunk
        }
        let summary = try writer.finish()
        #expect(summary.uncompressedBytes == data.count)
        var restored: [UInt8] = []
        try GzipReader.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: path)))) { restored += $0 }
        return (restored, path)
    }

    @Test("checksums match their reference values")
    func checksums() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
        var empty = SHA256Digest()
        #expect(empty.finish() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256Digest()
        abc.update(Array("ab".utf8))
        abc.update(Array("c".utf8))
        #expect(abc.finish() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256Digest()
        long.update(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(long.finish() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("compressed data decompresses to the original", arguments: [0, 1, 300, 70_000, 2_500_000])
    func roundTrips(size: Int) throws {
        let data = sample(size)
        let result = try roundTrip(data, chunk: 65_000)
        #expect(result.restored == data)
    }

    @Test("repetitive JSON lines compress several times")
    func compresses() throws {
        let lines = (0..<20_000).map {
            "{\"PartitionKey\":\"user-\($0 % 40)\",\"RowKey\":\"link-\($0)\",\"Active\":true}\n"
        }
        let data = Array(lines.joined().utf8)
        let result = try roundTrip(data)
        let size = try FileManager.default.attributesOfItem(atPath: result.path)[.size] as? Int ?? 0
        #expect(result.restored == data)
        #expect(size * 4 < data.count)
    }

    @Test("corrupt data is an error, not a crash")
    func corruptData() throws {
        let result = try roundTrip(sample(50_000))
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: result.path)))
        bytes[bytes.count / 2] ^= 0x5A
        #expect(throws: BusinessJobsError.self) { try GzipReader.decompress(bytes) { _ in } }
        #expect(throws: BusinessJobsError.self) { try GzipReader.decompress(Array(bytes.prefix(40))) { _ in } }
        #expect(throws: BusinessJobsError.self) { try GzipReader.decompress([1, 2, 3]) { _ in } }
    }

    @Test(
        "the system gzip reads our files and we read its files",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/gzip"))
    )
    func interoperates() throws {
        let data = sample(300_000)
        let ours = try roundTrip(data).path
        #expect(try run("/bin/gzip", ["-dc", ours]) == data)

        let plain = temporaryFile("plain.txt")
        try Data(data).write(to: URL(fileURLWithPath: plain))
        let theirs = try run("/bin/gzip", ["-9c", plain])
        var restored: [UInt8] = []
        try GzipReader.decompress(theirs) { restored += $0 }
        #expect(restored == data)
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(output)
    }
}
