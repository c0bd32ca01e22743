import Testing

@testable import DevHost

@Suite("DevHost module")
struct DevHostModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
