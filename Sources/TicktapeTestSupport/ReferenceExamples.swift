/// Upbit's documented example messages (its WebSocket API reference, ticker/trade/orderbook/candle/
/// myOrder/myAsset pages and the SIMPLE-format tables), verbatim, for tests that need real shapes.
public enum ReferenceExamples {
    public static let tickerDefault =
        #"{"type":"ticker","code":"KRW-BTC","opening_price":31883000,"high_price":32310000,"low_price":31855000,"trade_price":32287000,"prev_closing_price":31883000.00000000,"acc_trade_price":78039261076.51241000,"change":"RISE","change_price":404000.00000000,"signed_change_price":404000.00000000,"change_rate":0.0126713295,"signed_change_rate":0.0126713295,"ask_bid":"ASK","trade_volume":0.03103806,"acc_trade_volume":2429.58834336,"trade_date":"20230221","trade_time":"074102","trade_timestamp":1676965262139,"acc_ask_volume":1146.25573608,"acc_bid_volume":1283.33260728,"highest_52_week_price":57678000.00000000,"highest_52_week_date":"2022-03-28","lowest_52_week_price":20700000.00000000,"lowest_52_week_date":"2022-12-30","market_state":"ACTIVE","is_trading_suspended":false,"delisting_date":null,"market_warning":"NONE","timestamp":1676965262177,"acc_trade_price_24h":228827082483.70729000,"acc_trade_volume_24h":7158.80283708,"stream_type":"REALTIME"}"#
    public static let tickerSimpleOld =
        #"{"ty":"ticker","cd":"KRW-BTC","op":40008000,"hp":41000000,"lp":39674000,"tp":40441000,"pcp":40008000,"atp":256707458304.6534,"c":"RISE","cp":433000,"scp":433000,"cr":0.0108228354,"scr":0.0108228354,"ab":"ASK","tv":0.00416811,"atv":6379.30820304,"tdt":"20210119","ttm":"133506","ttms":1611063306000,"aav":3573.13708979,"abv":2806.17111325,"h52wp":48550000,"h52wdt":"2021-01-08","l52wp":5489000,"l52wdt":"2020-03-13","ts":null,"ms":"ACTIVE","msfi":null,"its":false,"dd":null,"mw":"NONE","tms":1611063306635,"atp24h":343062153261.8113,"atv24h":8566.02181263,"st":"REALTIME"}"#
    public static let tickerSnapshotBTC =
        #"{"type":"ticker","code":"BTC-ETH","opening_price":0.02295092,"high_price":0.02295092,"low_price":0.02161249,"trade_price":0.02161249,"prev_closing_price":0.02185802,"acc_trade_price":2.32732482,"change":"FALL","change_price":0.00024553,"signed_change_price":-0.00024553,"change_rate":0.0112329479,"signed_change_rate":-0.0112329479,"ask_bid":"ASK","trade_volume":2.12,"acc_trade_volume":106.11798418,"trade_date":"20200317","trade_time":"215843","trade_timestamp":1584482323000,"acc_ask_volume":90.16935908,"acc_bid_volume":15.9486251,"highest_52_week_price":0.03537414,"highest_52_week_date":"2019-04-08","lowest_52_week_price":0.01614901,"lowest_52_week_date":"2019-09-06","trade_status":null,"market_state":"ACTIVE","market_state_for_ios":null,"is_trading_suspended":false,"delisting_date":null,"market_warning":"NONE","timestamp":1584482323378,"acc_trade_price_24h":2.5955306323568927,"acc_trade_volume_24h":118.38798416,"stream_type":"SNAPSHOT"}"#
    public static let tradeSnapshot =
        #"{"type":"trade","code":"KRW-BTC","timestamp":1730336862082,"trade_date":"2024-10-31","trade_time":"01:07:42","trade_timestamp":1730336862047,"trade_price":100473000.00000000,"trade_volume":0.00014208,"ask_bid":"BID","prev_closing_price":100571000.00000000,"change":"FALL","change_price":98000.00000000,"sequential_id":17303368620470000,"best_ask_price":100473000,"best_ask_size":0.43139478,"best_bid_price":100465000,"best_bid_size":0.01990656,"stream_type":"SNAPSHOT"}"#
    public static let tradeSimple =
        #"{"ty":"trade","cd":"KRW-BTC","tms":1730336863511,"td":"2024-10-31","ttm":"01:07:43","ttms":1730336863490,"tp":100465000.0,"tv":0.0031,"ab":"ASK","pcp":100571000.0,"c":"FALL","cp":106000.0,"sid":17303368634900001,"bap":100473000,"bas":0.43139478,"bbp":100465000,"bbs":0.01680656,"st":"REALTIME"}"#
    public static let tradeOld =
        #"{"type":"trade","code":"KRW-BTC","timestamp":1584508285812,"trade_date":"2020-03-18","trade_time":"05:11:25","trade_timestamp":1584508285000,"trade_price":6747000,"trade_volume":0.06499468,"ask_bid":"ASK","prev_closing_price":6774000,"change":"FALL","change_price":27000,"sequential_id":1584508285000002,"stream_type":"REALTIME"}"#
    public static let orderbookDefault =
        #"{"type":"orderbook","code":"KRW-BTC","timestamp":1730336862305,"total_ask_size":1.63518927,"total_bid_size":2.90447871,"orderbook_units":[{"ask_price":100473000,"bid_price":100465000,"ask_size":0.43139478,"bid_size":0.01990656},{"ask_price":100474000,"bid_price":100464000,"ask_size":0.1,"bid_size":0.45},{"ask_price":100480000,"bid_price":100460000,"ask_size":0.30379449,"bid_size":1.20457215},{"ask_price":100490000,"bid_price":100455000,"ask_size":0.5,"bid_size":0.23},{"ask_price":100500000,"bid_price":100450000,"ask_size":0.3,"bid_size":1.0}],"level":0,"stream_type":"REALTIME"}"#
    public static let orderbookSimpleOld =
        #"{"ty":"orderbook","cd":"KRW-BTC","tms":1584263923870,"tas":20.67627941,"tbs":622.93769692,"obu":[{"ap":6727000.0,"as":0.4744314,"bp":6721000.0,"bs":0.0014551},{"ap":6728000.0,"as":1.85862302,"bp":6719000.0,"bs":0.00926683},{"ap":6729000.0,"as":5.43556558,"bp":6718000.0,"bs":0.40908977}],"st":"REALTIME"}"#
    public static let orderbookSnapshotBTC =
        #"{"type":"orderbook","code":"BTC-ETH","timestamp":1584486737444,"total_ask_size":16.76384456,"total_bid_size":168.9020623,"orderbook_units":[{"ask_price":0.02295077,"bid_price":0.02161249,"ask_size":3.57100696,"bid_size":22.5303265},{"ask_price":0.02295078,"bid_price":0.02152658,"ask_size":0.52451651,"bid_size":2.30355128},{"ask_price":0.02295086,"bid_price":0.02150802,"ask_size":1.585,"bid_size":5}],"level":0,"stream_type":"SNAPSHOT"}"#
    public static let candle =
        #"{"type":"candle.1s","code":"KRW-USDT","candle_date_time_utc":"2025-04-22T09:50:34","candle_date_time_kst":"2025-04-22T18:50:34","opening_price":1438,"high_price":1438,"low_price":1438,"trade_price":1438,"candle_acc_trade_volume":1145.8935,"candle_acc_trade_price":1647794.853,"timestamp":1745315434125,"stream_type":"REALTIME"}"#
    public static let myOrder =
        #"{"type":"myOrder","code":"KRW-BTC","uuid":"017f6e91-…","ask_bid":"BID","order_type":"price","state":"wait","trade_uuid":null,"price":5000,"avg_price":0,"volume":null,"remaining_volume":null,"executed_volume":null,"trades_count":0,"reserved_fee":2.5,"remaining_fee":2.5,"paid_fee":0,"locked":5002.5,"executed_funds":0,"time_in_force":null,"trade_fee":null,"is_maker":null,"identifier":null,"smp_type":null,"prevented_volume":null,"prevented_locked":0,"trade_timestamp":null,"order_timestamp":1762190961000,"timestamp":1762190961161,"stream_type":"REALTIME"}"#
    public static let myAsset =
        #"{"type":"myAsset","asset_uuid":"e635f223-…","assets":[{"currency":"SGD","balance":1386929.37231066771348207123,"locked":10329.670127489597585685}],"asset_timestamp":1710146517259,"timestamp":1710146517267,"stream_type":"REALTIME"}"#
    public static let status = #"{"status":"UP"}"#
    public static let error = #"{"error":{"name":"NO_CODES","message":"…"}}"#

    /// All examples with their names.
    public static let all: [(name: String, text: String)] = [
        ("tickerDefault", tickerDefault),
        ("tickerSimpleOld", tickerSimpleOld),
        ("tickerSnapshotBTC", tickerSnapshotBTC),
        ("tradeSnapshot", tradeSnapshot),
        ("tradeSimple", tradeSimple),
        ("tradeOld", tradeOld),
        ("orderbookDefault", orderbookDefault),
        ("orderbookSimpleOld", orderbookSimpleOld),
        ("orderbookSnapshotBTC", orderbookSnapshotBTC),
        ("candle", candle),
        ("myOrder", myOrder),
        ("myAsset", myAsset),
        ("status", status),
        ("error", error),
    ]
}
