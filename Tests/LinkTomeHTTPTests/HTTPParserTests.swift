import Testing

@testable import LinkTomeHTTP

/// Feeds `text` to a parser in pieces of `step` bytes and collects every complete message.
private func parseAll(
    _ text: String,
    kind: HTTPParser.Kind = .request,
    step: Int,
    limits: HTTPLimits = HTTPLimits()
) throws -> [HTTPParser.Message] {
    var parser = HTTPParser(kind: kind, limits: limits)
    var messages: [HTTPParser.Message] = []
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + step, bytes.count)
        parser.append(Array(bytes[offset..<end]))
        while let message = try parser.next() { messages.append(message) }
        offset = end
    }
    return messages
}

/// The error a parser throws for `text` fed in one piece.
private func parseError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPError? {
    do {
        _ = try parseAll(text, step: text.utf8.count, limits: limits)
        return nil
    } catch let error as HTTPError {
        return error
    } catch {
        return nil
    }
}

private let steps = [1, 3, 7, 64, 100_000]

@Suite("HTTP parser")
struct HTTPParserTests {
    @Test("a GET without a body is complete after its head", arguments: steps)
    func getRequest(step: Int) throws {
        let messages = try parseAll("GET /path?x=1 HTTP/1.1\r\nHost: a\r\nX-Test:  spaced value \r\n\r\n", step: step)

        try #require(messages.count == 1)
        let request = messages[0].request
        #expect(request.method == "GET")
        #expect(request.target == "/path?x=1")
        #expect(request.path == "/path")
        #expect(request.headers["x-test"] == "spaced value")
        #expect(request.body.isEmpty)
        #expect(messages[0].head.keepAlive)
    }

    @Test("a Content-Length body arrives whole however it is split", arguments: steps)
    func contentLengthBody(step: Int) throws {
        let text = "POST /f HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world"

        let messages = try parseAll(text, step: step)

        try #require(messages.count == 1)
        #expect(messages[0].body == Array("hello world".utf8))
    }

    @Test("a chunked body with extensions and trailers is decoded", arguments: steps)
    func chunkedBody(step: Int) throws {
        let text =
            "POST /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n"

        let messages = try parseAll(text, step: step)

        try #require(messages.count == 1)
        #expect(String(decoding: messages[0].body, as: UTF8.self) == "hello 0123456789")
    }

    @Test("pipelined requests come out one at a time, in order", arguments: steps)
    func pipelined(step: Int) throws {
        let text =
            "POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nA"
            + "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nB\r\n0\r\n\r\n"
            + "GET /c HTTP/1.1\r\n\r\n"

        let messages = try parseAll(text, step: step)

        #expect(messages.map(\.head.target) == ["/a", "/b", "/c"])
        #expect(messages.map { String(decoding: $0.body, as: UTF8.self) } == ["A", "B", ""])
    }

    @Test("Connection fields and HTTP/1.0 decide keep-alive")
    func keepAlive() throws {
        let close = try parseAll("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", step: 100)
        let old = try parseAll("GET / HTTP/1.0\r\n\r\n", step: 100)
        let oldKept = try parseAll("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", step: 100)

        #expect(close.first?.head.keepAlive == false)
        #expect(old.first?.head.keepAlive == false)
        #expect(oldKept.first?.head.keepAlive == true)
    }

    @Test("Expect: 100-continue is reported while the body is pending")
    func expectContinue() throws {
        var parser = HTTPParser(kind: .request)
        parser.append(Array("PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))

        #expect(try parser.next() == nil)
        #expect(parser.head?.expectsContinue == true)
        parser.append(Array("abc".utf8))
        #expect(try parser.next()?.body == Array("abc".utf8))
        #expect(parser.isIdle)
    }

    @Test("a chunk size of zz is a 400")
    func chunkSizeNotHex() {
        let error = parseError("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")

        #expect(error == .invalidChunkSize("'zz' is not hexadecimal"))
        #expect(error?.status == 400)
    }

    @Test("chunk data longer than its size is a 400")
    func chunkOverrun() {
        let error = parseError("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n")

        #expect(error == .malformedChunk("chunk data longer than its declared size"))
    }

    @Test("a head over the limit is a 431, with or without its end")
    func headTooLarge() {
        let filler = "X-Filler: " + String(repeating: "a", count: 2_000) + "\r\n"
        let limits = HTTPLimits(maxHeadBytes: 1_024)

        #expect(parseError("GET / HTTP/1.1\r\n" + filler + "\r\n", limits: limits) == .headTooLarge(limit: 1_024))
        #expect(parseError("GET / HTTP/1.1\r\n" + filler, limits: limits) == .headTooLarge(limit: 1_024))
        #expect(HTTPError.headTooLarge(limit: 1).status == 431)
    }

    @Test("a body over the limit is a 413, declared or chunked")
    func bodyTooLarge() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        let declared = parseError("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: limits)
        let chunked = parseError(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n",
            limits: limits
        )

        #expect(declared == .bodyTooLarge(limit: 10))
        #expect(chunked == .bodyTooLarge(limit: 10))
        #expect(declared?.status == 413)
    }

    @Test(
        "malformed heads are 400s",
        arguments: [
            "GET /\r\n\r\n",
            "GET  / HTTP/1.1 extra\r\n\r\n",
            "G(T / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "GET / HTTP/1.1\r\nName : x\r\n\r\n",
            "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nA: b\u{01}c\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            "GET / HTTP/x.1\r\n\r\n",
        ]
    )
    func malformed(text: String) {
        #expect(parseError(text)?.status == 400)
    }

    @Test("an unknown transfer coding is a 501 and HTTP/2.0 a 505")
    func unsupported() {
        #expect(parseError("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status == 501)
        #expect(parseError("GET / HTTP/2.0\r\n\r\n")?.status == 505)
    }

    @Test("a truncated chunked body is reported at the end of input")
    func truncated() throws {
        var parser = HTTPParser(kind: .request)
        parser.append(Array("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel".utf8))

        #expect(try parser.next() == nil)
        #expect(throws: HTTPError.connectionClosedMidMessage) { try parser.finishAtEndOfInput() }
    }

    @Test("responses: length, chunked, until close, and bodiless statuses")
    func responses() throws {
        let length = try parseAll("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", kind: .response, step: 3)
        let chunked = try parseAll(
            "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            kind: .response,
            step: 1
        )
        let empty = try parseAll(
            "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n",
            kind: .response,
            step: 5
        )

        var untilClose = HTTPParser(kind: .response)
        untilClose.append(Array("HTTP/1.0 200 OK\r\n\r\nall of it".utf8))
        #expect(try untilClose.next() == nil)
        let closed = try untilClose.finishAtEndOfInput()

        #expect(length.first?.response.text == "ok")
        #expect(chunked.first?.response.status == 201)
        #expect(chunked.first?.response.text == "ok")
        #expect(empty.map(\.response.status) == [204, 304])
        #expect(closed?.response.text == "all of it")
        #expect(closed?.head.keepAlive == false)
    }

    @Test("a response to HEAD has no body even with a Content-Length")
    func headResponse() throws {
        var parser = HTTPParser(kind: .response)
        parser.requestMethod = "HEAD"
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".utf8))

        let message = try parser.next()

        #expect(message?.response.body.isEmpty == true)
        #expect(parser.isIdle)
    }
}

extension HTTPParser.Message: Equatable {
    public static func == (lhs: HTTPParser.Message, rhs: HTTPParser.Message) -> Bool {
        lhs.head.target == rhs.head.target && lhs.body == rhs.body
    }
}
