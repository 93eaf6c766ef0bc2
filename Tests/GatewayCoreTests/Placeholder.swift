import Testing

@Test func placeholder_GatewayCoreTests() {}
