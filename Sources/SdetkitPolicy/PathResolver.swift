#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SdetkitCore

/// The result of resolving a path on the file system.
enum Resolution: Sendable, Equatable {
    /// The absolute physical path: every existing component's symbolic links followed.
    case resolved(String)
    /// Why it could not be resolved (no absolute paths in the text).
    case failed(String)
}

/// Component-by-component physical path resolution that, unlike `realpath(3)`, also works for paths whose
/// tail does not exist yet.
///
/// - Existing components are followed on the file system: a symbolic link (dangling or not) is replaced by
///   what it points to, so the result names the place a write would really land.
/// - Once a component does not exist, the rest is appended lexically; a `..` there only cancels the
///   not-yet-existing component before it. A `..` after an existing directory goes to that directory's
///   real parent (never lexically across a symbolic link).
enum PathResolver {
    /// As Linux's MAXSYMLINKS: more symbolic links than this on one path is a loop.
    static let maxSymlinks = 40

    /// Resolves `components` starting at `start`, an absolute real (symlink-free) directory path.
    static func resolve(start: String, components: [String]) -> Resolution {
        var current = start
        var pending: [String] = []
        var queue = ArraySlice(components)
        var hops = 0
        while let comp = queue.popFirst() {
            if comp == "." || comp.isEmpty { continue }
            if comp == ".." {
                if pending.isEmpty { current = Path.dirname(current) } else { pending.removeLast() }
                continue
            }
            if !pending.isEmpty {
                pending.append(comp)
                continue
            }
            let candidate = current == "/" ? "/" + comp : current + "/" + comp
            var st = stat()
            if lstat(candidate, &st) != 0 {
                let e = errno
                if e == ENOENT {
                    pending.append(comp)
                    continue
                }
                return .failed("cannot inspect '\(comp)': \(FileSystem.describe(errno: e))")
            }
            let type = st.st_mode & S_IFMT
            if type == S_IFLNK {
                hops += 1
                if hops > maxSymlinks { return .failed("too many levels of symbolic links") }
                if let real = FileSystem.realPath(candidate) {
                    current = real
                    if !queue.isEmpty && !FileSystem.isDirectory(real) {
                        return .failed("'\(comp)' is not a directory")
                    }
                    continue
                }
                // Dangling (or looping): judge where it points, as a write through it would create that.
                guard let target = readLink(candidate) else {
                    return .failed("cannot read symbolic link '\(comp)'")
                }
                if target.hasPrefix("/") { current = "/" }
                queue = ArraySlice(Path.components(target) + Array(queue))
                continue
            }
            current = candidate
            if !queue.isEmpty && type != S_IFDIR { return .failed("'\(comp)' is not a directory") }
        }
        if pending.isEmpty { return .resolved(current) }
        let tail = pending.joined(separator: "/")
        return .resolved(current == "/" ? "/" + tail : current + "/" + tail)
    }

    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buf, 4096)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Lexical `..`/`.` normalisation of an absolute path (used only for the repository root when it does
    /// not exist on disk).
    static func lexicallyNormalized(_ absolute: String) -> String {
        var out: [String] = []
        for c in Path.components(absolute) {
            if c == ".." { if !out.isEmpty { out.removeLast() } } else { out.append(c) }
        }
        return "/" + out.joined(separator: "/")
    }
}
