extension TapeReader {
    /// The distinct market codes of the tape's inbound data frames (its `stream` table), sorted;
    /// only streams whose type `isMarket` accepts. Reads no payload.
    public func codes(where isMarket: (String) -> Bool) throws(TapeError) -> [String] {
        do {
            let s = try db.prepare("SELECT DISTINCT type, code FROM stream WHERE code IS NOT NULL")
            var codes = Set<String>()
            while try s.step() {
                if let type = s.string(0), let code = s.string(1), isMarket(type) { codes.insert(code) }
            }
            return codes.sorted()
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }
}
