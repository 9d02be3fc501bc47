import CGitStartup
import CLibGit2

/// Process-wide libgit2 set-up, done once, lazily and thread-safely (a `static let` is initialised
/// under `swift_once`).
enum LibGit2 {
    private static let ready: Bool = {
        // Skips Debian libgit2's ~8 ms parse of the system CA bundle (see CGitStartup.h).
        _ = sdetkit_git_init_without_ca_bundle()
        // libgit2 refuses repositories owned by another user (even as root) with a misleading
        // safe.directory message; sdetkit only reads, so ownership checks are off.
        _ = sdetkit_git_disable_owner_validation()
        return true
    }()

    static func ensureInitialized() { _ = ready }

    static let version: String = {
        ensureInitialized()
        var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
        _ = git_libgit2_version(&major, &minor, &rev)
        return "\(major).\(minor).\(rev)"
    }()

    /// The text of libgit2's last error on this thread, or a fallback.
    static func lastMessage() -> (message: String, klass: Int32) {
        guard let err = git_error_last(), let text = err.pointee.message else {
            return ("unknown libgit2 error", 0)
        }
        return (String(cString: text), err.pointee.klass)
    }

    /// Maps a failing libgit2 return code to a ``GitError``; index problems become `corruptIndex`.
    static func error(_ code: Int32) -> GitError {
        let (message, klass) = lastMessage()
        if klass == Int32(GIT_ERROR_INDEX.rawValue) { return .corruptIndex(message) }
        return .libgit2(code, message)
    }

    /// Throws the mapped error when `code` is negative.
    static func check(_ code: Int32) throws(GitError) {
        if code < 0 { throw error(code) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of a git object id (no libgit2 call, no allocation beyond the string).
    static func hex(_ oid: git_oid) -> String {
        withUnsafeBytes(of: oid.id) { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                var i = 0
                for b in raw {
                    out[i] = hexDigits[Int(b >> 4)]
                    out[i + 1] = hexDigits[Int(b & 0xF)]
                    i += 2
                }
                return i
            }
        }
    }

    /// True for 4...40 hex digits (an object id, possibly abbreviated).
    static func isHexID(_ s: String) -> Bool {
        let n = s.utf8.count
        guard n >= 4 && n <= 40 else { return false }
        return s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
    }
}
