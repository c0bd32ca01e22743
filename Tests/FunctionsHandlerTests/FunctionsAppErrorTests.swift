import LinkTomeCore
import LinkTomeHTTP
import Testing

@testable import FunctionsHandler

/// An app whose process log is collected, with one function that works and one that throws.
private func makeApp() -> (FunctionsApp, CollectingSink) {
    let sink = CollectingSink()
    let app = FunctionsApp(logger: Logger(label: "test", level: .info, sink: sink))
    app.register("LinkTomeActivity") { _ in InvocationResult(returnValue: "ok") }
    app.register("Failing") { invocation in
        invocation.logger.info("about to fail")
        throw FunctionsHandlerError.invalidTriggerValue("the test entrypoint always fails")
    }
    return (app, sink)
}

private func post(
    _ app: FunctionsApp,
    _ path: String,
    _ body: String,
    invocationId: String? = nil
) async -> HTTPResponse {
    var headers = HTTPHeaders([("Content-Type", "application/json")])
    if let invocationId { headers.add("X-Azure-Functions-InvocationId", invocationId) }
    return await app.handle(HTTPRequest(method: "POST", target: path, headers: headers, body: Array(body.utf8)))
}

@Suite("Functions app errors")
struct FunctionsAppErrorTests {
    @Test("an unknown function is a 404 with a JSON error")
    func unknownFunction() async {
        let (app, _) = makeApp()

        let response = await post(app, "/NoSuchFunction", #"{"Data":{},"Metadata":{}}"#)

        #expect(response.status == 404)
        #expect(response.json["Error"]?["Code"] == "UnknownFunction")
        #expect(response.json["Error"]?["Message"]?.stringValue?.contains("NoSuchFunction") == true)
    }

    @Test("JSON that is not an object is a 400 that says so")
    func notAnObject() async {
        let (app, _) = makeApp()

        let response = await post(app, "/LinkTomeActivity", #"["Data", "Metadata"]"#)

        #expect(response.status == 400)
        #expect(response.json["Error"]?["Code"] == "MalformedEnvelope")
        #expect(response.json["Error"]?["Message"]?.stringValue?.contains("must be a JSON object") == true)
    }

    @Test("a body without Data is a 400 naming Data")
    func dataMissing() async {
        let (app, _) = makeApp()

        let response = await post(app, "/LinkTomeActivity", #"{"Metadata":{"sys":{}}}"#)

        #expect(response.status == 400)
        #expect(response.json["Error"]?["Message"] == "malformed invocation request: the body has no 'Data' member")
    }

    @Test(
        "other malformed envelopes are 400s with the problem named",
        arguments: [
            ("", "the body is empty"),
            ("{\"Data\":", "not valid JSON"),
            (#"{"Data":"x","Metadata":{}}"#, "'Data' must be an object, found a string"),
            (#"{"Data":{},"Metadata":[]}"#, "'Metadata' must be an object, found an array"),
        ]
    )
    func malformed(body: String, problem: String) async {
        let (app, _) = makeApp()

        let response = await post(app, "/LinkTomeActivity", body)

        #expect(response.status == 400)
        #expect(response.json["Error"]?["Message"]?.stringValue?.contains(problem) == true)
    }

    @Test("an entrypoint that throws is a 500, with the error and its logs on the process log")
    func entrypointThrows() async {
        let (app, sink) = makeApp()

        let response = await post(app, "/failing", #"{"Data":{},"Metadata":{}}"#, invocationId: "inv-42")

        #expect(response.status == 500)
        #expect(response.json["Error"]?["Code"] == "FunctionFailed")
        let lines = sink.collected
        #expect(lines.contains { $0.message == "about to fail" && $0.metadata["invocation.id"] == "inv-42" })
        let failure = lines.first { $0.level == .error }
        #expect(failure?.metadata["invocation.id"] == "inv-42")
        #expect(failure?.metadata["function.name"] == "Failing")
        #expect(failure?.metadata["error"]?.contains("the test entrypoint always fails") == true)
    }

    @Test("GET on a function is a 405, and GET / is the readiness answer")
    func methods() async {
        let (app, _) = makeApp()

        let get = await app.handle(HTTPRequest(method: "GET", target: "/LinkTomeActivity"))
        let root = await app.handle(HTTPRequest(method: "GET", target: "/"))

        #expect(get.status == 405)
        #expect(get.headers["Allow"] == "POST")
        #expect(root.status == 200)
        #expect(root.json == ["Status": "ready"])
    }

    @Test("every method but POST on a function path is a 405 naming POST, with a JSON body")
    func otherMethods() async {
        let (app, _) = makeApp()
        for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"] {
            for target in ["/LinkTomeActivity", "/linktomeactivity/", "/LinkTome%41ctivity?x=1"] {
                let response = await app.handle(HTTPRequest(method: method, target: target))
                #expect(response.status == 405, "\(method) \(target)")
                #expect(response.headers["Allow"] == "POST")
                #expect(response.json["Error"]?["Code"] == "MethodNotAllowed")
            }
        }
    }

    @Test("percent-encoded function names are decoded as UTF-8")
    func percentDecoding() {
        #expect(FunctionsApp.functionName(inPath: "/caf%C3%A9") == "café")
        #expect(FunctionsApp.functionName(inPath: "/%E2%82%AC/") == "€")
        #expect(FunctionsApp.functionName(inPath: "/Link%54omeTimer") == "LinkTomeTimer")
        // Malformed escapes and bytes that are not UTF-8 stay as sent.
        #expect(FunctionsApp.functionName(inPath: "/bad%E9") == "bad%E9")
        #expect(FunctionsApp.functionName(inPath: "/bad%4") == "bad%4")
    }

    @Test("every answer is JSON with a non-empty body")
    func alwaysJSON() async {
        let (app, _) = makeApp()
        let requests = [
            HTTPRequest(method: "GET", target: "/"),
            HTTPRequest(method: "POST", target: "/"),
            HTTPRequest(method: "DELETE", target: "/LinkTomeActivity"),
            HTTPRequest(method: "POST", target: "/LinkTomeActivity", body: Array(#"{"Data":{}}"#.utf8)),
            HTTPRequest(method: "POST", target: "/Failing", body: Array(#"{"Data":{}}"#.utf8)),
            HTTPRequest(method: "POST", target: "/Missing", body: []),
        ]

        for request in requests {
            let response = await app.handle(request)
            #expect(!response.body.isEmpty)
            #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(response.json.objectValue != nil)
        }
    }
}
