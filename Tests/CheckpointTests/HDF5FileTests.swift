import Checkpoint
import XCTest
import TestSupport

final class HDF5FileTests: XCTestCase {
    func testNumericDatasetsOfEveryTypeRoundTrip() throws {
        let dir = ScratchDirectory()
        let path = dir.file("numbers.h5")
        let file = try HDF5File.create(path)
        try file.write([Float](arrayLiteral: 1.5, -2, .infinity, .nan, 0, 7, 8, 9, 10, 11, 12, 13),
                       shape: [3, 4], to: "matrices/float")
        try file.write([1.0, -0.25, .nan, .greatestFiniteMagnitude], to: "double")
        try file.write([Int32.min, 0, Int32.max], to: "int32")
        try file.write([Int64.min, -1, Int64.max], to: "int64")
        try file.write([UInt8](0...255), to: "uint8")
        try file.write([Double](), to: "empty")
        try file.write([Int64](), shape: [0, 5], to: "empty2d")
        try file.close()

        let reader = try HDF5File.open(path)
        let matrix = try reader.read(Float.self, from: "matrices/float")
        XCTAssertEqual(matrix.shape, [3, 4])
        XCTAssertEqual(matrix.values.map(\.bitPattern),
                       [Float](arrayLiteral: 1.5, -2, .infinity, .nan, 0, 7, 8, 9, 10, 11, 12, 13).map(\.bitPattern))
        XCTAssertEqual(try reader.readVector(Double.self, from: "double").map(\.bitPattern),
                       [1.0, -0.25, .nan, .greatestFiniteMagnitude].map(\.bitPattern))
        XCTAssertEqual(try reader.readVector(Int32.self, from: "int32"), [Int32.min, 0, Int32.max])
        XCTAssertEqual(try reader.readVector(Int64.self, from: "int64"), [Int64.min, -1, Int64.max])
        XCTAssertEqual(try reader.readVector(UInt8.self, from: "uint8"), [UInt8](0...255))
        XCTAssertEqual(try reader.readVector(Double.self, from: "empty"), [])
        XCTAssertEqual(try reader.read(Int64.self, from: "empty2d").shape, [0, 5])
        try reader.close()
    }

    func testOnlyLosslessConversionsAreAllowed() throws {
        let dir = ScratchDirectory()
        let file = try HDF5File.create(dir.file("types.h5"))
        try file.write([Int32(5)], to: "i32")
        try file.write([1.0], to: "f64")
        try file.write([Float(1)], shape: [1, 1], to: "m")
        XCTAssertEqual(try file.readVector(Int64.self, from: "i32"), [5])
        XCTAssertThrowsError(try file.readVector(Float.self, from: "f64")) {
            XCTAssertTrue("\($0)".contains("holds float64, expected float32"), "\($0)")
        }
        XCTAssertThrowsError(try file.readVector(Int64.self, from: "f64"))
        XCTAssertThrowsError(try file.readVector(Float.self, from: "m")) {
            XCTAssertTrue("\($0)".contains("has rank 2, expected 1"), "\($0)")
        }
        XCTAssertThrowsError(try file.readStrings(from: "f64"))
    }

    func testStringDatasetsInBothEncodings() throws {
        let dir = ScratchDirectory()
        let path = dir.file("strings.h5")
        let strings = ["a", "", "blocks.0.attn.hook_result[:, :, 3]", "ünïcödé ✓ 🙂", String(repeating: "x", count: 5_000)]
        let file = try HDF5File.create(path)
        try file.writeStrings(strings, to: "vlen", encoding: .variableLength)
        try file.writeStrings(strings, to: "fixed", encoding: .fixedLength)
        try file.writeStrings([], to: "none", encoding: .fixedLength)
        XCTAssertThrowsError(try file.writeStrings(["a\u{0}b"], to: "nul"))
        try file.close()

        let reader = try HDF5File.open(path)
        XCTAssertEqual(try reader.readStrings(from: "vlen"), strings)
        XCTAssertEqual(try reader.readStrings(from: "fixed"), strings)
        XCTAssertEqual(try reader.readStrings(from: "none"), [])
    }

    func testAttributesOnRootAndGroups() throws {
        let dir = ScratchDirectory()
        let path = dir.file("attrs.h5")
        let file = try HDF5File.create(path)
        try file.setAttribute("name", to: "röot")
        try file.setAttribute("blank", to: "")
        try file.setAttribute("count", to: Int64(-12))
        try file.createGroup("a/b")
        try file.setAttribute("scale", to: 0.5, on: "a/b")
        try file.setAttribute("flag", to: UInt8(1), on: "a/b")
        try file.setAttribute("small", to: Int32(3), on: "a")
        try file.setAttribute("count", to: Int64(13)) // replaces
        try file.close()

        let reader = try HDF5File.open(path)
        XCTAssertEqual(try reader.stringAttribute("name"), "röot")
        XCTAssertEqual(try reader.stringAttribute("blank"), "")
        XCTAssertEqual(try reader.numericAttribute("count", as: Int64.self), 13)
        XCTAssertEqual(try reader.numericAttribute("scale", as: Double.self, on: "a/b"), 0.5)
        XCTAssertEqual(try reader.numericAttribute("flag", as: UInt8.self, on: "a/b"), 1)
        XCTAssertEqual(try reader.numericAttribute("small", as: Int64.self, on: "/a"), 3)
        XCTAssertTrue(reader.exists("a/b"))
        XCTAssertFalse(reader.exists("a/c/d"))
        XCTAssertTrue(reader.hasAttribute("flag", on: "a/b"))
        XCTAssertFalse(reader.hasAttribute("flag"))
        XCTAssertThrowsError(try reader.stringAttribute("count")) {
            XCTAssertEqual("\($0)", "\(path): attribute 'count' on the root holds int64, expected a string")
        }
        XCTAssertThrowsError(try reader.stringAttribute("nope", on: "a")) {
            XCTAssertEqual("\($0)", "\(path): attribute 'nope' missing on 'a'")
        }
        XCTAssertThrowsError(try reader.setAttribute("x", to: "y")) {
            XCTAssertTrue("\($0)".contains("read-only"), "\($0)")
        }
    }

    func testClosedFileThrows() throws {
        let dir = ScratchDirectory()
        let file = try HDF5File.create(dir.file("closed.h5"))
        try file.close()
        try file.close()
        XCTAssertThrowsError(try file.write([1.0], to: "x")) {
            XCTAssertTrue("\($0)".contains("file already closed"), "\($0)")
        }
    }
}
