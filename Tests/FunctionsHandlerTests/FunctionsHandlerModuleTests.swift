import Testing

@testable import FunctionsHandler

@Suite("FunctionsHandler module")
struct FunctionsHandlerModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
