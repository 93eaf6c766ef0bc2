import Testing

@Test func placeholder_GatewayErrorsTests() {}
