import Foundation
import LinkTomeCore
import Testing

@testable import Timers

@Suite("Timer catalogue file")
struct CatalogueFileTests {
    @Test("A catalogue written with a UTF-8 byte order mark (Windows PowerShell 5.1) loads")
    func byteOrderMark() {
        let fixture = TimerFixture()
        let json = catalogueJSON(entry(id: "with-bom", cron: "0 0 * * * *"))
        let catalogue = TimerCatalogue(parsing: [0xEF, 0xBB, 0xBF] + Array(json.utf8), registry: fixture.registry)

        #expect(catalogue.problems.isEmpty)
        #expect(catalogue.timers.map(\.id) == ["with-bom"])
    }
}
