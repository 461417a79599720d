"""REST paths of Bitget API v3 (unified trading account) used by the client."""

SERVER_TIME = "/api/v3/public/time"

# market (public)
INSTRUMENTS = "/api/v3/market/instruments"
TICKERS = "/api/v3/market/tickers"
ORDERBOOK = "/api/v3/market/orderbook"
CANDLES = "/api/v3/market/candles"
HISTORY_CANDLES = "/api/v3/market/history-candles"

# account
ACCOUNT_SETTINGS = "/api/v3/account/settings"
ACCOUNT_ASSETS = "/api/v3/account/assets"
ACCOUNT_INFO = "/api/v3/account/info"
SET_LEVERAGE = "/api/v3/account/set-leverage"
SET_HOLD_MODE = "/api/v3/account/set-hold-mode"

# trading
PLACE_ORDER = "/api/v3/trade/place-order"
CANCEL_ORDER = "/api/v3/trade/cancel-order"
CANCEL_SYMBOL_ORDER = "/api/v3/trade/cancel-symbol-order"
CLOSE_POSITIONS = "/api/v3/trade/close-positions"
ORDER_INFO = "/api/v3/trade/order-info"
UNFILLED_ORDERS = "/api/v3/trade/unfilled-orders"
HISTORY_ORDERS = "/api/v3/trade/history-orders"
FILLS = "/api/v3/trade/fills"
CURRENT_POSITION = "/api/v3/position/current-position"
