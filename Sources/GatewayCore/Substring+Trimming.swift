extension Substring {
  /// This text without the given characters at either end.
  package func trimming(_ characters: String) -> String {
    var slice = self
    while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
    while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
    return String(slice)
  }
}
