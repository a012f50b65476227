// SPDX-License-Identifier: Apache-2.0
/// `String.contains` answers by Characters (grapheme clusters, canonical equivalence),
/// which costs thousands of instructions per call. Argument rules ask it of every
/// privileged exec; almost every argument is plain ASCII, where bytes give the same
/// answer: each ASCII byte is its own Character except CR LF, and a needle without
/// CR or LF can neither split that pair nor be matched by it.
extension String {
    func containsText(_ needle: String) -> Bool {
        let byBytes = utf8.withContiguousStorageIfAvailable { haystack in
            needle.utf8.withContiguousStorageIfAvailable { needle -> Bool? in
                guard !needle.isEmpty, Self.isASCII(haystack),
                    !needle.contains(where: { $0 >= 0x80 || $0 == 0x0a || $0 == 0x0d })
                else { return nil }
                return Self.find(needle, in: haystack)
            }
        }
        if let byBytes, let inner = byBytes, let found = inner { return found }
        return contains(needle)
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.contains(where: { $0 >= 0x80 })
    }

    private static func find(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            var k = 1
            while k < needle.count && haystack[start + k] == needle[k] { k += 1 }
            if k == needle.count { return true }
        }
        return false
    }
}
