import Testing

@Test func placeholder_GatewaySessionTests() {}
