import ConfgateCore
import ConfgateMetrics
import Testing

@Suite struct ListenAddressTests {
    @Test func aPortAloneBindsLoopback() throws {
        #expect(try ListenAddress(parsing: "9464") == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try ListenAddress(parsing: ":0") == ListenAddress(host: "127.0.0.1", port: 0))
        #expect(try ListenAddress(parsing: "localhost:9464") == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try ListenAddress(parsing: "9464").isLoopback)
    }

    @Test func anotherAddressIsTheUsersExplicitChoice() throws {
        let any = try ListenAddress(parsing: "0.0.0.0:9464")
        #expect(any.host == "0.0.0.0" && !any.isLoopback)
        let v6 = try ListenAddress(parsing: "[::1]:9464")
        #expect(v6.host == "::1" && v6.isLoopback && v6.description == "[::1]:9464")
    }

    @Test(arguments: ["", "db.internal:9464", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "300.1.1.1:80", "[::1]9464", "[db]:80"])
    func malformedOrHostNamesAreRefused(_ text: String) {
        #expect(throws: ConfgateError.self) { try ListenAddress(parsing: text) }
    }
}
