// SPDX-License-Identifier: Apache-2.0
extension String {
    /// The text of a NUL-terminated C buffer the C side filled (an error message, a
    /// name): up to the first NUL, or all of it when there is none.
    public init(nulTerminated chars: [CChar]) {
        let end = chars.firstIndex(of: 0) ?? chars.endIndex
        self.init(decoding: chars[..<end].lazy.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
