import Testing

@testable import Durable

@Suite("Durable module")
struct DurableModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
