import XCTest
import ACDC
@testable import Tasks

final class TaskDataLocatorTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "/acdc-locator-\(getpid())-\(UUID().uuidString)"
        for d in ["repo/tasks/gpt2-tokenizer", "repo/.build/release", "elsewhere/tasks/gpt2-tokenizer", "empty/tasks"] {
            try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        for d in ["repo", "elsewhere"] {
            _ = FileManager.default.createFile(atPath: "\(root)/\(d)/tasks/gpt2-tokenizer/encoder.json", contents: Data("{}".utf8))
        }
        root = (root as NSString).resolvingSymlinksInPath
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func testEnvironmentWins() throws {
        let l = TaskDataLocator(environment: ["ACDC_TASKS_DIR": root + "/elsewhere/tasks"],
                                executablePath: root + "/repo/.build/release/acdc", currentDirectory: root + "/empty")
        XCTAssertEqual(try l.locate(), root + "/elsewhere/tasks")
    }

    func testEnvironmentRelativeToCurrentDirectory() throws {
        let l = TaskDataLocator(environment: ["ACDC_TASKS_DIR": "tasks"], executablePath: nil, currentDirectory: root + "/elsewhere")
        XCTAssertEqual(try l.locate(), root + "/elsewhere/tasks")
    }

    func testBadEnvironmentIsAnError() {
        let l = TaskDataLocator(environment: ["ACDC_TASKS_DIR": root + "/empty/tasks"],
                                executablePath: root + "/repo/.build/release/acdc", currentDirectory: root)
        XCTAssertThrowsError(try l.locate()) { e in
            XCTAssertTrue(((e as? ACDCError)?.message ?? "").contains("not a task data folder"))
        }
    }

    func testWalksUpFromExecutable() throws {
        let l = TaskDataLocator(environment: [:], executablePath: root + "/repo/.build/release/acdc", currentDirectory: root + "/elsewhere")
        XCTAssertEqual(try l.locate(), root + "/repo/tasks")
    }

    func testFallsBackToWorkingDirectory() throws {
        let l = TaskDataLocator(environment: [:], executablePath: "/usr/bin/acdc", currentDirectory: root + "/elsewhere")
        XCTAssertEqual(try l.locate(), root + "/elsewhere/tasks")
    }

    func testNothingFound() {
        let l = TaskDataLocator(environment: [:], executablePath: "/usr/bin/acdc", currentDirectory: root + "/empty")
        XCTAssertThrowsError(try l.locate()) { e in
            XCTAssertTrue(((e as? ACDCError)?.message ?? "").contains("ACDC_TASKS_DIR"))
        }
    }

    /// The test binary lives under REPO/.build, so the default locator finds this repository's tasks/.
    func testDefaultFindsRepositoryTasks() throws {
        var l = TaskDataLocator()
        l.environment[TaskDataLocator.environmentVariable] = nil
        XCTAssertEqual(try l.locate(), (tasksDir as NSString).standardizingPath)
    }
}
