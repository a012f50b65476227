// SPDX-License-Identifier: Apache-2.0
import CCurl
import Foundation

/// POSTs JSON through one reused libcurl handle (keep-alive, one TLS session).
/// TLS verification stays on; connect and total timeouts bound every request.
public final class HTTPPoster {
    public typealias Response = TransportResponse

    public struct Failure: Error, CustomStringConvertible {
        /// curl's own error text; never contains the URL.
        public var description: String
        /// The whole body went out before the failure: Discord may have taken it.
        public var requestSent: Bool

        public init(description: String, requestSent: Bool = false) {
            self.description = description
            self.requestSent = requestSent
        }
    }

    private let handle: UnsafeMutableRawPointer
    private let connectTimeoutMs: Int
    private let totalTimeoutMs: Int
    private var headerList: UnsafeMutablePointer<curl_slist>?

    public init(connectTimeoutMs: Int = 5000, totalTimeoutMs: Int = 15000, userAgent: String) {
        HTTPPoster.globalInit
        guard let h = curl_easy_init() else { preconditionFailure("curl_easy_init failed") }
        handle = h
        self.connectTimeoutMs = connectTimeoutMs
        self.totalTimeoutMs = totalTimeoutMs
        headerList = curl_slist_append(nil, "Content-Type: application/json")
        headerList = curl_slist_append(headerList, "User-Agent: \(userAgent)")
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
    }

    static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Collects the response while curl runs; reached through CURLOPT_*DATA.
    final class Collector {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
    }

    public func post(url: String, json: String) throws -> Response {
        try post(url: url, json: json, timeoutMs: totalTimeoutMs)
    }

    /// One POST with its own total timeout (longer after a timeout that may have been delivered).
    public func post(url: String, json: String, timeoutMs: Int) throws -> Response {
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let body = Array(json.utf8)
        let code: CURLcode = url.withCString { urlPointer in
            body.withUnsafeBufferPointer { bodyPointer in
                errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
                    rw_curl_set_string(handle, CURLOPT_URL, urlPointer)
                    rw_curl_set_long(handle, CURLOPT_POST, 1)
                    rw_curl_set_pointer(
                        handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bodyPointer.baseAddress))
                    rw_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
                    rw_curl_set_slist(handle, CURLOPT_HTTPHEADER, headerList)
                    rw_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMs)
                    rw_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)
                    rw_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
                    rw_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
                    rw_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                    rw_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
                    rw_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)
                    rw_curl_set_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, n, user in
                        guard let data, let user else { return 0 }
                        let c = Unmanaged<Collector>.fromOpaque(user).takeUnretainedValue()
                        c.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * n))
                        return size * n
                    }
                    rw_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
                    rw_curl_set_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, n, user in
                        guard let data, let user else { return 0 }
                        let c = Unmanaged<Collector>.fromOpaque(user).takeUnretainedValue()
                        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * n), as: UTF8.self)
                        if let colon = line.firstIndex(of: ":") {
                            let name = line[..<colon].lowercased()
                            let value = line[line.index(after: colon)...].trimmingCharacters(
                                in: .whitespacesAndNewlines)
                            c.headers[name] = value
                        }
                        return size * n
                    }
                    rw_curl_set_pointer(handle, CURLOPT_HEADERDATA, context)
                    return curl_easy_perform(handle)
                }
            }
        }
        // The buffers above are gone: curl must not keep pointers to them.
        rw_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        rw_curl_set_pointer(handle, CURLOPT_POSTFIELDS, nil)
        guard code == CURLE_OK else {
            let detail = String(nulTerminated: errorBuffer)
            let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            // CURLINFO_SIZE_UPLOAD_T is a curl_off_t, a long on the 64-bit Linux rigwatch runs on.
            var uploaded = 0
            rw_curl_get_long(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded)
            throw Failure(description: WebhookURL.redact(text), requestSent: body.count > 0 && uploaded >= body.count)
        }
        var status = 0
        rw_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, headers: collector.headers, body: collector.body)
    }
}
