#if canImport(Glibc)
import Glibc
#endif
import SdetkitConfig
import SdetkitCore

/// The optional local model provider (`provider.type: local`, an Ollama-style `/api/generate` endpoint).
/// It only adds notes to the run's observed metadata; it never changes the plan, an action or a status.
/// A timeout or failure falls back to `none`, and the fallback is noted.
public enum ProviderNotes {
    public static func collect(for record: RunRecord, config: AgentConfig) async -> [String] {
        guard config.provider.type == .local else { return [] }
        let prompt = "Summarise this sdetkit run in one sentence. Task: \(record.task). Status: \(record.status.rawValue). "
            + "Actions: " + record.actions.map { "\($0.action)=\($0.ok ? "ok" : ($0.denied ? "denied" : "failed"))" }.joined(separator: ", ")
        let body = CanonicalJSON.string(["model": .string(config.provider.model), "prompt": .string(prompt), "stream": false])
        let (url, timeout) = (config.provider.endpoint, config.provider.timeoutSeconds)
        // connect/poll/recv block until the deadline: on a dedicated thread, never on the concurrency pool.
        let answer = await Blocking.run { LocalHTTP.post(url: url, body: body, timeoutSeconds: timeout) }
        switch answer {
        case .success(let text):
            guard let json = try? JSONParser.parse(text), let response = json["response"]?.stringValue else {
                return ["provider local: unreadable response; fell back to none"]
            }
            return ["provider local (\(config.provider.model)): " + String(response.prefix(500))]
        case .failure(let e):
            return ["provider local unavailable (\(e.reason)); fell back to none"]
        }
    }
}

/// A minimal HTTP/1.1 POST over a TCP socket for a plain-http endpoint on the local network,
/// with one deadline for connect + send + receive. Used only for the optional local model provider.
public enum LocalHTTP {
    public struct Failure: Error, Sendable { public let reason: String }

    public static func parse(url: String) -> (host: String, port: UInt16, path: String)? {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst(7)
        let hostPort = rest.prefix(while: { $0 != "/" })
        let path = rest.dropFirst(hostPort.count)
        let parts = hostPort.split(separator: ":", maxSplits: 1)
        guard let host = parts.first, !host.isEmpty else { return nil }
        let port = parts.count == 2 ? UInt16(parts[1]) : 80
        guard let port else { return nil }
        return (String(host), port, path.isEmpty ? "/" : String(path))
    }

    public static func post(url: String, body: String, timeoutSeconds: Double) -> Result<String, Failure> {
        guard let (host, port, path) = parse(url: url) else {
            return .failure(Failure(reason: "endpoint must be an http:// URL"))
        }
        let deadline = RunClock.monotonicMillis() + timeoutSeconds * 1000
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let ai = res else {
            return .failure(Failure(reason: "cannot resolve \(host)"))
        }
        defer { freeaddrinfo(res) }
        let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
        guard fd >= 0 else { return .failure(Failure(reason: "socket: \(FileSystem.describe(errno: errno))")) }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
            return .failure(Failure(reason: "connect: \(FileSystem.describe(errno: errno))"))
        }
        guard wait(fd, events: Int16(POLLOUT), deadline: deadline) else { return .failure(Failure(reason: "timed out connecting")) }
        var soErr: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soErr, &len)
        if soErr != 0 { return .failure(Failure(reason: "connect: \(FileSystem.describe(errno: soErr))")) }
        let request = Array(("POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
        var sent = 0
        while sent < request.count {
            guard wait(fd, events: Int16(POLLOUT), deadline: deadline) else { return .failure(Failure(reason: "timed out sending")) }
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno != EAGAIN && errno != EINTR { return .failure(Failure(reason: "send: \(FileSystem.describe(errno: errno))")) }
            if n > 0 { sent += n }
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while response.count < 4 << 20 {
            guard wait(fd, events: Int16(POLLIN), deadline: deadline) else { return .failure(Failure(reason: "timed out after \(timeoutSeconds) s")) }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return .failure(Failure(reason: "recv: \(FileSystem.describe(errno: errno))"))
            }
            response.append(contentsOf: chunk[0..<n])
        }
        let text = String(decoding: response, as: UTF8.self)
        let sepAt = response.indices.dropLast(3).first {
            response[$0] == 13 && response[$0 + 1] == 10 && response[$0 + 2] == 13 && response[$0 + 3] == 10
        }
        guard text.hasPrefix("HTTP/1."), let sepAt else {
            return .failure(Failure(reason: "not an HTTP response"))
        }
        let statusLine = text.prefix(while: { $0 != "\r" })
        guard statusLine.split(separator: " ").dropFirst().first == "200" else {
            return .failure(Failure(reason: "HTTP \(statusLine.split(separator: " ").dropFirst().first ?? "?")"))
        }
        return .success(String(decoding: response[(sepAt + 4)...], as: UTF8.self))
    }

    static func wait(_ fd: Int32, events: Int16, deadline: Double) -> Bool {
        while true {
            let remaining = Int32(max(0, deadline - RunClock.monotonicMillis()))
            if remaining <= 0 { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, remaining)
            if r > 0 { return true }
            if r == 0 { return false }
            if errno != EINTR { return false }
        }
    }
}
