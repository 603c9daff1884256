import XCTest
final class TasksTestsPlaceholder: XCTestCase { func testNothing() {} }
