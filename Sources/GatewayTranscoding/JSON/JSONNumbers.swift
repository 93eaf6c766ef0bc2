/// A JSON number's parts, found by `scan`; converted exactly by `integer(in:)` and
/// `double(in:)` (no detour through `Double` for integers, so 64-bit values stay exact).
struct JSONNumberToken {
  /// The whole token, sign included.
  var start: Int
  var end: Int
  var isNegative: Bool
  /// The digits before the point.
  var integerStart: Int
  var integerEnd: Int
  /// The digits after the point (empty without a fraction).
  var fractionStart: Int
  var fractionEnd: Int
  /// The explicit exponent, saturated at +-1_000_000_000.
  var exponent: Int
  /// A `.` or an exponent was written.
  var hasFractionOrExponent: Bool

  enum ScanResult {
    case success(JSONNumberToken)
    /// Where the grammar broke, and whether it broke only because the input ended.
    case failure(index: Int, truncated: Bool)
  }

  /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` from `start`, stopping at
  /// the first byte that cannot continue it (the caller checks what follows).
  static func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, to limit: Int) -> ScanResult {
    var index = start
    @inline(__always) func isDigit(_ position: Int) -> Bool {
      position < limit && bytes[position] &- UInt8(ascii: "0") < 10
    }
    var token = JSONNumberToken(
      start: start, end: start, isNegative: false, integerStart: start, integerEnd: start,
      fractionStart: start, fractionEnd: start, exponent: 0, hasFractionOrExponent: false)
    if index < limit && bytes[index] == UInt8(ascii: "-") {
      token.isNegative = true
      index += 1
    }
    guard index < limit else { return .failure(index: index, truncated: true) }
    token.integerStart = index
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
      // A leading zero may only stand alone.
      if isDigit(index) { return .failure(index: index, truncated: false) }
    } else if isDigit(index) {
      while isDigit(index) { index += 1 }
    } else {
      return .failure(index: index, truncated: false)
    }
    token.integerEnd = index
    token.fractionStart = index
    token.fractionEnd = index
    if index < limit && bytes[index] == UInt8(ascii: ".") {
      token.hasFractionOrExponent = true
      index += 1
      guard isDigit(index) else { return .failure(index: index, truncated: index >= limit) }
      token.fractionStart = index
      while isDigit(index) { index += 1 }
      token.fractionEnd = index
    }
    if index < limit && (bytes[index] | 0x20) == UInt8(ascii: "e") {
      token.hasFractionOrExponent = true
      index += 1
      var negativeExponent = false
      if index < limit && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
        negativeExponent = bytes[index] == UInt8(ascii: "-")
        index += 1
      }
      guard isDigit(index) else { return .failure(index: index, truncated: index >= limit) }
      var exponent = 0
      while isDigit(index) {
        if exponent < 1_000_000_000 { exponent = exponent * 10 + Int(bytes[index] &- 48) }
        index += 1
      }
      token.exponent = negativeExponent ? -exponent : exponent
    }
    token.end = index
    return .success(token)
  }

  enum IntegerResult {
    case value(isNegative: Bool, magnitude: UInt64)
    case notAnInteger
    case tooLarge
  }

  /// The integer the token stands for. Plain digits are read exactly; a number written with a
  /// fraction or an exponent (`1e2`, `100.0`) goes through the nearest `Double` first, as
  /// protobuf's C++ and Python parsers do, so `9223372036854775807.0` (2^63 as a double) is out
  /// of range for int64 and `1.00000000000000001` is 1.
  func integer(in bytes: UnsafeRawBufferPointer) -> IntegerResult {
    let integerCount = integerEnd - integerStart
    if !hasFractionOrExponent {
      guard integerCount <= 20 else { return .tooLarge }
      var magnitude: UInt64 = 0
      for position in integerStart..<integerEnd {
        let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[position] &- 48))
        if overflow1 || overflow2 { return .tooLarge }
        magnitude = sum
      }
      return .value(isNegative: isNegative, magnitude: magnitude)
    }
    let value = double(in: bytes)
    guard value.isFinite else { return .tooLarge }
    guard value == value.rounded(.towardZero) else { return .notAnInteger }
    let magnitude = value.magnitude
    // 2^64: the first double beyond UInt64.
    guard magnitude < 18_446_744_073_709_551_616.0 else { return .tooLarge }
    return .value(isNegative: isNegative, magnitude: UInt64(magnitude))
  }

  /// The nearest `Double` (infinite when out of range, as strtod does).
  func double(in bytes: UnsafeRawBufferPointer) -> Double {
    // Clinger's fast path: up to 19 significant digits fit a UInt64; when that is at most
    // 2^53 and the power of ten at most 10^22, one IEEE operation rounds correctly.
    let integerCount = integerEnd - integerStart
    let fractionCount = fractionEnd - fractionStart
    if integerCount + fractionCount <= 19 && exponent > -400 && exponent < 400 {
      var mantissa: UInt64 = 0
      for position in integerStart..<integerEnd { mantissa = mantissa &* 10 &+ UInt64(bytes[position] &- 48) }
      for position in fractionStart..<fractionEnd {
        mantissa = mantissa &* 10 &+ UInt64(bytes[position] &- 48)
      }
      let power = exponent - fractionCount
      if mantissa == 0 { return isNegative ? -0.0 : 0.0 }
      if mantissa <= 1 << 53 && power >= -22 && power <= 22 {
        var value = Double(mantissa)
        if power >= 0 { value *= powersOfTen[power] } else { value /= powersOfTen[-power] }
        return isNegative ? -value : value
      }
    }
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    return Double(text) ?? .nan
  }

  /// The nearest `Float`, rounded once from the decimal text (infinite when out of range).
  func float(in bytes: UnsafeRawBufferPointer) -> Float {
    let integerCount = integerEnd - integerStart
    let fractionCount = fractionEnd - fractionStart
    if integerCount + fractionCount <= 19 && exponent > -400 && exponent < 400 {
      var mantissa: UInt64 = 0
      for position in integerStart..<integerEnd { mantissa = mantissa &* 10 &+ UInt64(bytes[position] &- 48) }
      for position in fractionStart..<fractionEnd {
        mantissa = mantissa &* 10 &+ UInt64(bytes[position] &- 48)
      }
      let power = exponent - fractionCount
      if mantissa == 0 { return isNegative ? -0.0 : 0.0 }
      if mantissa <= 1 << 24 && power >= -10 && power <= 10 {
        var value = Float(mantissa)
        if power >= 0 {
          value *= Float(powersOfTen[power])
        } else {
          value /= Float(powersOfTen[-power])
        }
        return isNegative ? -value : value
      }
    }
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    return Float(text) ?? .nan
  }
}

/// 10^0 ... 10^22, all exact in a Double.
let powersOfTen: [Double] = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

// MARK: writing numbers

extension ByteSink {
  /// Appends the decimal digits of `value`.
  @inline(__always)
  mutating func appendDecimal(_ value: UInt64) {
    if value < 10 {
      append(UInt8(truncatingIfNeeded: value) &+ 48)
      return
    }
    appendDecimalDigits(value)
  }

  private mutating func appendDecimalDigits(_ value: UInt64) {
    // At most 20 digits, written backwards into a stack buffer.
    var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
    let start = Swift.withUnsafeMutableBytes(of: &buffer) { raw -> Int in
      var position = raw.count
      var remaining = value
      repeat {
        position -= 1
        raw[position] = UInt8(truncatingIfNeeded: remaining % 10) &+ 48
        remaining /= 10
      } while remaining > 0
      return position
    }
    Swift.withUnsafeBytes(of: &buffer) { raw in
      appendBytes(UnsafeRawBufferPointer(rebasing: raw[start...]))
    }
  }

  @inline(__always)
  mutating func appendDecimal(_ value: Int64) {
    if value < 0 {
      append(UInt8(ascii: "-"))
      appendDecimal(value.magnitude)
    } else {
      appendDecimal(UInt64(value))
    }
  }

  /// Appends a finite double in its shortest round-trip form (`1.5`, `1e+30`); NaN and the
  /// infinities as the quoted names the proto3 mapping uses.
  mutating func appendJSONDouble(_ value: Double) {
    if value.isFinite {
      // Integral values below 2^53 without the ".0" Swift adds.
      if value == value.rounded(.towardZero) && value.magnitude <= 9_007_199_254_740_992
        && !(value == 0 && value.sign == .minus)
      {
        appendDecimal(Int64(value))
      } else {
        appendString(value.description)
      }
    } else {
      appendNonFinite(isNaN: value.isNaN, isNegative: value < 0)
    }
  }

  /// Appends a finite float in its shortest round-trip form as a float.
  mutating func appendJSONFloat(_ value: Float) {
    if value.isFinite {
      if value == value.rounded(.towardZero) && value.magnitude <= 16_777_216
        && !(value == 0 && value.sign == .minus)
      {
        appendDecimal(Int64(value))
      } else {
        appendString(value.description)
      }
    } else {
      appendNonFinite(isNaN: value.isNaN, isNegative: value < 0)
    }
  }

  private mutating func appendNonFinite(isNaN: Bool, isNegative: Bool) {
    if isNaN {
      appendASCII("\"NaN\"")
    } else if isNegative {
      appendASCII("\"-Infinity\"")
    } else {
      appendASCII("\"Infinity\"")
    }
  }
}
