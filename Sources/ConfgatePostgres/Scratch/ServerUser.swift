import ConfgateCore
import Foundation

/// The unprivileged OS user that runs `initdb` and `postgres` when confgate runs as root
/// (PostgreSQL refuses root). `nil` wherever one is expected means "the current user".
public struct ServerUser: Hashable, Sendable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32

    /// The user to switch to: none when not root (then `requested` must be absent or the
    /// current user), otherwise `requested` or `postgres`.
    public static func resolve(requested: String?) throws(ConfgateError) -> ServerUser? {
        if geteuid() != 0 {
            if let requested, requested != currentUserName() {
                throw ConfgateError(.badInput, "--pg-user \(requested) needs root: only root can run PostgreSQL as another user")
            }
            return nil
        }
        let name = requested ?? "postgres"
        guard let entry = getpwnam(name) else {
            throw ConfgateError(
                .environment, "confgate runs as root and there is no user '\(name)' to run PostgreSQL as",
                details: ["PostgreSQL refuses to run as root.",
                          "Debian/Ubuntu's `apt-get install postgresql` creates the user 'postgres'; or pass --pg-user USER."])
        }
        if entry.pointee.pw_uid == 0 {
            throw ConfgateError(.badInput, "--pg-user \(name) is root: PostgreSQL refuses to run as root")
        }
        return ServerUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    private static func currentUserName() -> String? {
        getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) }
    }
}
