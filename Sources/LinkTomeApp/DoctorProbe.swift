import LinkTomeCore
import LinkTomeHTTP

/// `linktome doctor --probe-url`: one `GET` through the handler's own HTTP client, to show that name
/// resolution, TCP and TLS (against the system CA store plus `LINKTOME_CA_FILE`) work from where
/// the handler runs.
enum DoctorProbe {
    /// Sends the request and prints one line, `probe <url>: HTTP <status>, …` or
    /// `probe <url>: failed: <reason>`. Returns whether an HTTP response arrived.
    static func run(_ text: String, settings: Settings) async -> Bool {
        let (answered, line) = await probe(text, settings: settings)
        print(line)
        return answered
    }

    /// Sends the request; returns whether an HTTP response arrived and the line that says what happened.
    static func probe(_ text: String, settings: Settings) async -> (answered: Bool, line: String) {
        guard let url = HTTPURL(text) else {
            return (false, "probe \(text): failed: not an http:// or https:// URL")
        }
        let client: HTTPClient
        do {
            client = try HTTPClient(settings: settings)
        } catch {
            return (false, "probe \(text): failed: \(error)")
        }
        defer { client.closeIdleConnections() }

        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await client.send(HTTPRequest(method: "GET", target: url.target), to: url)
            let elapsed = clock.now - started
            let summary = "HTTP \(response.status), \(response.body.count) bytes in \(elapsed)"
            return (true, "probe \(url): \(summary): \(excerpt(response))")
        } catch {
            return (false, "probe \(url): failed: \(error)")
        }
    }

    /// The first line of the body, at most 80 characters.
    static func excerpt(_ response: HTTPResponse) -> String {
        let line = response.text.split(separator: "\n", maxSplits: 1).first ?? ""
        return line.count > 80 ? String(line.prefix(80)) + "…" : String(line)
    }
}
