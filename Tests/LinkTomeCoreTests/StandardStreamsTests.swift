import LinkTomeCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Standard streams")
struct StandardStreamsTests {
    @Test("Writing to a pipe whose reader is gone reports failure instead of trapping")
    func closedPipe() throws {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        close(ends[0])
        defer { close(ends[1]) }

        #expect(!StandardStreams.write("a line nobody reads\n", descriptor: ends[1]))
        #expect(!StandardStreams.write("and another\n", descriptor: ends[1]))
    }

    @Test("Writing to an open pipe delivers every byte")
    func openPipe() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }

        let accepted = StandardStreams.write("héllo\n", descriptor: ends[1])
        close(ends[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(ends[0], &buffer, buffer.count)

        #expect(accepted)
        #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "héllo\n")
    }
}
