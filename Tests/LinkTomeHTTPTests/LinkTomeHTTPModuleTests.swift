import Testing

@testable import LinkTomeHTTP

@Suite("LinkTomeHTTP module")
struct LinkTomeHTTPModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
