import Testing

@testable import Jobs

@Suite("Jobs module")
struct JobsModuleTests {
    @Test("the module links")
    func links() {
        #expect(Bool(true))
    }
}
