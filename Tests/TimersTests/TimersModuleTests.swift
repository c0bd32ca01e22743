import Testing

@testable import Timers

@Suite("Timers module")
struct TimersModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
