import XCTest
final class ACDCTestsPlaceholder: XCTestCase { func testNothing() {} }
