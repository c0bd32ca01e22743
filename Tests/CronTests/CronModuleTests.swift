import Testing

@testable import Cron

@Suite("Cron module")
struct CronModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
