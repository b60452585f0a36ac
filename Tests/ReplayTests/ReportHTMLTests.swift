import Foundation
import Replay
import Rules
import Testing

#if canImport(FoundationXML)
import FoundationXML
import Reports
#endif

/// Collects what the HTML tests look for while an XML parser reads the page.
private final class PageScan: NSObject, XMLParserDelegate {
    var epochBands: [String] = []
    var elements: Set<String> = []
    var attributes: [(String, String)] = []

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.insert(elementName)
        attributes += attributeDict.map { ($0.key, $0.value) }
        if elementName == "g", attributeDict["class"] == "epoch", let epoch = attributeDict["data-epoch"] {
            epochBands.append(epoch)
        }
    }
}

@Suite("The HTML report")
struct ReportHTMLTests {
    private func scan(_ html: String) -> (ok: Bool, scan: PageScan, error: String) {
        let parser = XMLParser(data: Data(html.utf8))
        let scan = PageScan()
        parser.delegate = scan
        let ok = parser.parse()
        return (ok, scan, parser.parserError.map { "\($0)" } ?? "")
    }

    @Test func thePageIsWellFormedXMLWithOneBandPerEpoch() throws {
        let report = CheckReport(tapes: [try checkReconnect(disabled: [.r3])])
        let result = scan(report.html())
        #expect(result.ok, "\(result.error)")
        #expect(result.scan.epochBands == ["1", "2"])
        #expect(result.scan.elements.isSuperset(of: ["html", "head", "style", "body", "svg", "polyline", "table"]))
        #expect(report.html().hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    }

    @Test func thePageReferencesNothingOutsideItself() throws {
        let html = try reportSample().html()
        #expect(scan(html).ok)
        for forbidden in ["http:", "https:", "src=", "<script", "<link", "url(", "@import"] {
            #expect(!html.lowercased().contains(forbidden), "\(forbidden)")
        }
        // The only links are the table of contents' anchors to sections of this page.
        let links = scan(html).scan.attributes.filter { $0.0 == "href" }.map(\.1)
        #expect(links == ["#tape-1", "#tape-2", "#tape-3"])
        let ids = Set(scan(html).scan.attributes.filter { $0.0 == "id" }.map(\.1))
        #expect(ids.isSuperset(of: links.map { String($0.dropFirst()) }))
    }

    @Test func textFromTheTapeIsEscaped() throws {
        let html = try reportSample().html()
        #expect(html.contains("tape broken &lt;&amp;&gt; &quot;tape&quot;: UNKNOWN"))
        #expect(scan(html).ok)
    }

    @Test func theTimelineShowsDisconnectsDropsAndLag() throws {
        let html = try reportSample().html()
        #expect(html.contains("<g class=\"marker disconnect\">"))
        #expect(html.contains("<g class=\"drops\">"))
        #expect(html.contains("<polyline class=\"lag\""))
        #expect(html.contains("slow drops"))
        #expect(html.contains("gui lag"))
    }

    @Test func theSameRunGivesTheSamePage() throws {
        #expect(try reportSample().html() == reportSample().html())
    }
}
