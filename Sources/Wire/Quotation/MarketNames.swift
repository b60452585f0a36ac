/// The Korean and English names `/v1/market/all` gives a market, by its base currency (`BTC` of
/// `KRW-BTC`, as Upbit names `BTC-ETH` after ETH). Upbit's names for the markets the simulator
/// starts with and a few more; any other base is named by its symbol in both languages.
enum MarketNames {
    static func names(of code: String) -> (korean: String, english: String) {
        let base = code.split(separator: "-", maxSplits: 1).last.map(String.init) ?? code
        return Self.known[base] ?? (base, base)
    }

    static let known: [String: (korean: String, english: String)] = [
        "BTC": ("비트코인", "Bitcoin"),
        "ETH": ("이더리움", "Ethereum"),
        "XRP": ("엑스알피(리플)", "XRP"),
        "SOL": ("솔라나", "Solana"),
        "DOGE": ("도지코인", "Dogecoin"),
        "ADA": ("에이다", "Cardano"),
        "TRX": ("트론", "TRON"),
        "AVAX": ("아발란체", "Avalanche"),
        "LINK": ("체인링크", "Chainlink"),
        "DOT": ("폴카닷", "Polkadot"),
        "USDT": ("테더", "Tether"),
        "BCH": ("비트코인캐시", "Bitcoin Cash"),
        "ETC": ("이더리움클래식", "Ethereum Classic"),
        "EOS": ("이오스", "EOS"),
        "LAMB": ("람다", "Lambda"),
    ]
}
