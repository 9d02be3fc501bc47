/// Exit codes shared by every command (documented in docs/cli.md).
public enum ExitStatus: Int32, Sendable {
    /// Success.
    case ok = 0
    /// A run failed, or an action was denied by policy.
    case runFailed = 1
    /// Usage, configuration or input error.
    case usage = 2
    /// An integrity problem in the history.
    case integrity = 3
}

/// An error meant for a person: one line saying what is wrong, where, and how to fix it.
public protocol UserFacingError: Error, Sendable {
    /// One line: what, where, how to fix.
    var message: String { get }
    var exitStatus: ExitStatus { get }
}

/// A general-purpose user-facing error for the cases that need no richer type.
public struct SdetkitError: UserFacingError, CustomStringConvertible {
    public let message: String
    public let exitStatus: ExitStatus

    public init(_ message: String, exit: ExitStatus = .usage) {
        self.message = message
        self.exitStatus = exit
    }

    public var description: String { message }

    public static func io(_ what: String, path: String, errno code: Int32) -> SdetkitError {
        SdetkitError("\(what) \(path): \(FileSystem.describe(errno: code))", exit: .usage)
    }
}
