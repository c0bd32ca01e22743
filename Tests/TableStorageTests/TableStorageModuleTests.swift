import Testing

@testable import TableStorage

@Suite("TableStorage module")
struct TableStorageModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
