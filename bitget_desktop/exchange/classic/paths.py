"""REST paths of Bitget API v2 (classic account)."""

SERVER_TIME = "/api/v2/public/time"

# spot, public
SPOT_SYMBOLS = "/api/v2/spot/public/symbols"
SPOT_TICKERS = "/api/v2/spot/market/tickers"
SPOT_ORDERBOOK = "/api/v2/spot/market/orderbook"
SPOT_CANDLES = "/api/v2/spot/market/candles"
SPOT_HISTORY_CANDLES = "/api/v2/spot/market/history-candles"
SPOT_FILLS_HISTORY = "/api/v2/spot/market/fills-history"

# spot, private
SPOT_ASSETS = "/api/v2/spot/account/assets"
SPOT_ACCOUNT_INFO = "/api/v2/spot/account/info"
SPOT_PLACE_ORDER = "/api/v2/spot/trade/place-order"
SPOT_CANCEL_ORDER = "/api/v2/spot/trade/cancel-order"
SPOT_BATCH_ORDERS = "/api/v2/spot/trade/batch-orders"
SPOT_BATCH_CANCEL = "/api/v2/spot/trade/batch-cancel-order"
SPOT_CANCEL_SYMBOL = "/api/v2/spot/trade/cancel-symbol-order"
SPOT_ORDER_INFO = "/api/v2/spot/trade/orderInfo"
SPOT_OPEN_ORDERS = "/api/v2/spot/trade/unfilled-orders"
SPOT_HISTORY_ORDERS = "/api/v2/spot/trade/history-orders"
SPOT_FILLS = "/api/v2/spot/trade/fills"

# futures ("mix"), public
MIX_CONTRACTS = "/api/v2/mix/market/contracts"
MIX_TICKER = "/api/v2/mix/market/ticker"
MIX_TICKERS = "/api/v2/mix/market/tickers"
MIX_DEPTH = "/api/v2/mix/market/merge-depth"
MIX_CANDLES = "/api/v2/mix/market/candles"
MIX_HISTORY_CANDLES = "/api/v2/mix/market/history-candles"
MIX_FUNDING_RATE = "/api/v2/mix/market/current-fund-rate"
MIX_FUNDING_TIME = "/api/v2/mix/market/funding-time"

# futures, private
MIX_ACCOUNT = "/api/v2/mix/account/account"
MIX_ACCOUNTS = "/api/v2/mix/account/accounts"
MIX_SET_LEVERAGE = "/api/v2/mix/account/set-leverage"
MIX_SET_MARGIN_MODE = "/api/v2/mix/account/set-margin-mode"
MIX_SET_POSITION_MODE = "/api/v2/mix/account/set-position-mode"
MIX_ALL_POSITIONS = "/api/v2/mix/position/all-position"
MIX_SINGLE_POSITION = "/api/v2/mix/position/single-position"
MIX_PLACE_ORDER = "/api/v2/mix/order/place-order"
MIX_CANCEL_ORDER = "/api/v2/mix/order/cancel-order"
MIX_BATCH_CANCEL = "/api/v2/mix/order/batch-cancel-orders"
MIX_CLOSE_POSITIONS = "/api/v2/mix/order/close-positions"
MIX_ORDER_DETAIL = "/api/v2/mix/order/detail"
MIX_ORDERS_PENDING = "/api/v2/mix/order/orders-pending"
MIX_ORDERS_HISTORY = "/api/v2/mix/order/orders-history"
MIX_FILLS = "/api/v2/mix/order/fills"
MIX_ORDERS_PLAN_PENDING = "/api/v2/mix/order/orders-plan-pending"

# websocket
WS_PUBLIC = "/v2/ws/public"
WS_PRIVATE = "/v2/ws/private"
