import Foundation
import LinkTomeCore

/// `linktome doctor --probe-url`: one request through the handler's own HTTP client, to show that
/// DNS, TCP and TLS (with the configured trust store) work from where the handler runs.
enum DoctorProbe {
    static func run(_ url: String, settings: Settings) async -> Bool {
        print("probe \(url): not available in this build")
        return false
    }
}
