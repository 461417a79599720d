"""REST paths of Bitget API v3 (unified trading account) used by the client."""

ACCOUNT_SETTINGS = "/api/v3/account/settings"
ACCOUNT_ASSETS = "/api/v3/account/assets"
ACCOUNT_INFO = "/api/v3/account/info"
