import Replay

/// Writes well-formed XML (the HTML report is XHTML-compatible, so an XML parser accepts it):
/// every element closed, every text and attribute escaped, attributes in the given order.
struct XMLWriter {
    private(set) var output = ""

    /// Appends raw markup that is already well-formed (the doctype, the inline style sheet).
    mutating func raw(_ markup: String) { output += markup }

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        output += "<" + name + Self.attributes(attributes) + ">"
    }

    mutating func close(_ name: String) { output += "</" + name + ">" }

    /// `<name …>text</name>`, or `<name …/>` when `text` is nil.
    mutating func element(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil) {
        if let text {
            output += "<" + name + Self.attributes(attributes) + ">" + Self.escape(text) + "</" + name + ">"
        } else {
            output += "<" + name + Self.attributes(attributes) + "/>"
        }
    }

    /// `open`, the body, `close`.
    mutating func element(_ name: String, _ attributes: [(String, String)] = [], body: (inout XMLWriter) -> Void) {
        open(name, attributes)
        body(&self)
        close(name)
    }

    mutating func text(_ text: String) { output += Self.escape(text) }

    mutating func newline() { output += "\n" }

    /// Escapes the five XML special characters and drops control characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20, scalar.value != 0xFFFE, scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "\u{FFFD}"
                }
            }
        }
        return out
    }

    private static func attributes(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }
}
