public import Foundation
public import TurboCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP address as resolved, IPv4 or IPv6.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Dotted decimal for IPv4; eight uncompressed hexadecimal groups for IPv6.
    public var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xff) }.joined(separator: ".")
        case .v6(let bytes):
            return stride(from: 0, to: 16, by: 2).map {
                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
            }
            .joined(separator: ":")
        }
    }

    /// The IPv4 address an IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`) IPv6 address carries,
    /// with the form's name. `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4-compatible.
    var embeddedIPv4: (form: String, address: UInt32)? {
        guard case .v6(let bytes) = self, bytes[0..<10].allSatisfy({ $0 == 0 }) else { return nil }
        let mapped = bytes[10] == 0xff && bytes[11] == 0xff
        let compatible = bytes[10] == 0 && bytes[11] == 0 && bytes[12..<15].contains { $0 != 0 }
        guard mapped || compatible else { return nil }
        return (mapped ? "IPv4-mapped" : "IPv4-compatible", bytes[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }
}

/// Where a webhook may be sent (OWASP SSRF prevention): only http and https, and only to public addresses unless the
/// subscription allows private ones. Every address the host resolves to is checked; the sender connects to one of
/// the addresses that passed, so DNS cannot change between the check and the connection.
public enum AddressGuard {
    /// A checked destination.
    public struct Target: Sendable, Hashable {
        /// The URL as given.
        public var url: URL
        /// `http` or `https`, lowercased.
        public var scheme: String
        /// The URL's host, without the brackets of an IPv6 literal.
        public var host: String
        /// The URL's port, or 443 for https and 80 for http.
        public var port: Int
        /// Every address the host resolved to, all allowed.
        public var addresses: [IPAddress]
    }

    /// Why an address is not public, or nil when it is.
    public static func restriction(of address: IPAddress) -> String? {
        if let embedded = address.embeddedIPv4 {
            return restriction(of: .v4(embedded.address)).map { "\(embedded.form) \($0)" }
        }
        switch address {
        case .v4(let value):
            func within(_ base: UInt32, _ bits: UInt32) -> Bool {
                bits == 0 || value >> (32 - bits) == base >> (32 - bits)
            }
            if within(0x0000_0000, 8) { return "unspecified (0.0.0.0/8)" }
            if within(0x7f00_0000, 8) { return "loopback" }
            if within(0x0a00_0000, 8) || within(0xac10_0000, 12) || within(0xc0a8_0000, 16) { return "private" }
            if within(0xa9fe_0000, 16) { return "link-local (cloud metadata)" }
            if within(0x6440_0000, 10) { return "carrier-grade NAT (100.64.0.0/10)" }
            if within(0xe000_0000, 4) { return "multicast" }
            if within(0xf000_0000, 4) { return "reserved (240.0.0.0/4, broadcast)" }
            if within(0xc000_0000, 24) || within(0xc612_0000, 15) {
                return "special-purpose (192.0.0.0/24, 198.18.0.0/15)"
            }
            return nil
        case .v6(let bytes):
            if bytes.allSatisfy({ $0 == 0 }) { return "unspecified (::)" }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "loopback" }
            if bytes[0] & 0xfe == 0xfc { return "private (unique local fc00::/7)" }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "link-local (fe80::/10)" }
            if bytes[0] == 0xff { return "multicast" }
            if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b {
                return "NAT64 (64:ff9b::/96)"
            }
            return nil
        }
    }

    /// Checks `text` as a webhook destination and resolves it; refuses schemes other than http/https, hosts that do
    /// not resolve, and (unless `allowPrivate`) any resolved address that is not public.
    public static func check(_ text: String, allowPrivate: Bool) throws(TurboError) -> Target {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else {
            throw .invalidInput("a webhook URL must be http:// or https://, not '\(text)'")
        }
        guard var host = url.host, !host.isEmpty else { throw .invalidInput("the webhook URL '\(text)' has no host") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if url.user != nil || url.password != nil {
            throw .invalidInput("a webhook URL must not carry credentials; the signature authenticates the sender")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let addresses = try resolve(host)
        if !allowPrivate {
            for address in addresses {
                if let reason = restriction(of: address) {
                    throw .invalidInput(
                        "\(text) resolves to \(address), a \(reason) address; only public addresses are allowed "
                            + "(an admin can add the webhook with --allow-private)")
                }
            }
        }
        return Target(url: url, scheme: scheme, host: host, port: port, addresses: addresses)
    }

    /// Every address `host` resolves to, through the system resolver (which also reads the decimal, octal and hex
    /// IPv4 spellings, so they are checked as the addresses they are).
    public static func resolve(_ host: String) throws(TurboError) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw .invalidInput("cannot resolve '\(host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let socket = entry.pointee.ai_addr {
                switch Int32(entry.pointee.ai_family) {
                case AF_INET:
                    let value = socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        $0.pointee.sin_addr.s_addr
                    }
                    addresses.append(.v4(UInt32(bigEndian: value)))
                case AF_INET6:
                    let bytes = socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                    addresses.append(.v6(bytes))
                default: break
                }
            }
            cursor = entry.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        let unique = addresses.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { throw .invalidInput("'\(host)' resolved to no address") }
        return unique
    }
}
