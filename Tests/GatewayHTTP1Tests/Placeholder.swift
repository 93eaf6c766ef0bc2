import Testing

@Test func placeholder_GatewayHTTP1Tests() {}
